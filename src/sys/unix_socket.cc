#include "sys/unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <vector>

#include "sys/fs.h"
#include "sys/platform.h"

namespace companion::sys {

namespace {

Result<sockaddr_un> address_of(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() > max_socket_path()) {
    return make_error("the socket path {} is {} bytes long; at most {} are possible", path,
                      path.size(), max_socket_path());
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  return address;
}

// Where SOCK_CLOEXEC, SOCK_NONBLOCK and MSG_NOSIGNAL do not exist (macOS), or are not to be used
// (COMPANION_PORTABLE_FALLBACKS): fcntl after the call, and SO_NOSIGPIPE where there is one. A
// spawn() in another thread between the two calls still closes the descriptor in its child.
[[maybe_unused]] void make_cloexec_nonblocking(int fd) {
  (void)::fcntl(fd, F_SETFD, FD_CLOEXEC);
  (void)::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
#ifdef SO_NOSIGPIPE
  int on = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
}

#if defined(COMPANION_LINUX_MECHANISMS)
constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;
#else
constexpr int kSendFlags = MSG_DONTWAIT;  // SIGPIPE: ignored (prepare_process) or SO_NOSIGPIPE
#endif

Result<UniqueFd> stream_socket() {
#if defined(COMPANION_LINUX_MECHANISMS)
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
#else
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
  if (fd.valid()) make_cloexec_nonblocking(fd.get());
#endif
  if (!fd.valid()) return make_error("cannot create a unix socket: {}", errno_text());
  return fd;
}

}  // namespace

std::size_t max_socket_path() {
  return sizeof(sockaddr_un::sun_path) - 1;
}

Result<std::string> make_socket_dir(const std::string& parent, const std::string& prefix,
                                    std::size_t longest_name) {
  std::string tmpl = join_path(parent, prefix + "XXXXXX");
  if (tmpl.size() + 1 + longest_name > max_socket_path()) {
    return make_error(
        "a socket in {} would be {} bytes long, more than the {} this system allows: choose a "
        "shorter directory",
        parent, tmpl.size() + 1 + longest_name, max_socket_path());
  }
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return make_error("cannot create a directory in {}: {}", parent, errno_text());
  }
  return std::string(buf.data());
}

Result<UniqueFd> listen_unix(const std::string& path, int backlog) {
  auto address = address_of(path);
  if (!address) return address.error();
  auto fd = stream_socket();
  if (!fd) return fd.error();
  mode_t old_mask = ::umask(0177);
  int bound = ::bind(fd->get(), reinterpret_cast<const sockaddr*>(&*address), sizeof(*address));
  int bind_errno = errno;
  ::umask(old_mask);
  if (bound != 0) {
    errno = bind_errno;
    return make_error("cannot listen on {}: {}", path, errno_text());
  }
  if (::listen(fd->get(), backlog) != 0) {
    Error error = make_error("cannot listen on {}: {}", path, errno_text());
    ::unlink(path.c_str());
    return error;
  }
  return std::move(*fd);
}

Result<UniqueFd> accept_unix(int listen_fd) {
  for (;;) {
#if defined(COMPANION_LINUX_MECHANISMS)
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
#else
    int fd = ::accept(listen_fd, nullptr, nullptr);
    if (fd >= 0) make_cloexec_nonblocking(fd);
#endif
    if (fd >= 0) return UniqueFd(fd);
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return UniqueFd();
    return make_error("cannot accept a connection: {}", errno_text());
  }
}

Result<UniqueFd> connect_unix(const std::string& path) {
  auto address = address_of(path);
  if (!address) return address.error();
  auto fd = stream_socket();
  if (!fd) return fd.error();
  int rc;
  do {
    rc = ::connect(fd->get(), reinterpret_cast<const sockaddr*>(&*address), sizeof(*address));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return make_error("cannot connect to {}: it accepts no connections (its queue is full)",
                        path);
    }
    return make_error("cannot connect to {}: {}", path, errno_text());
  }
  return std::move(*fd);
}

void send_now(int fd, std::string_view data) {
  ssize_t n;
  do {
    n = ::send(fd, data.data(), data.size(), kSendFlags);
  } while (n < 0 && errno == EINTR);
}

void remove_dir_if_empty(const std::string& dir) {
  (void)::rmdir(dir.c_str());
}

uid_t own_uid() {
  return ::geteuid();
}

Result<uid_t> peer_uid(int fd) {
#if defined(__linux__)  // glibc has no getpeereid: SO_PEERCRED in every Linux build
  struct ucred credentials {};
  socklen_t size = sizeof(credentials);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
    return make_error("cannot read the credentials of a socket peer: {}", errno_text());
  }
  return credentials.uid;
#else
  uid_t uid = 0;
  gid_t gid = 0;
  if (::getpeereid(fd, &uid, &gid) != 0) {
    return make_error("cannot read the credentials of a socket peer: {}", errno_text());
  }
  return uid;
#endif
}

}  // namespace companion::sys
