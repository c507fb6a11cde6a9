// Unix stream sockets for the broker (SPEC.md section 4): a listening socket in a private
// directory, accepting and connecting without ever blocking, and the uid of the peer.
// Every descriptor is close-on-exec and non-blocking (SOCK_CLOEXEC/accept4 on Linux, fcntl and
// SO_NOSIGPIPE on macOS and with COMPANION_PORTABLE_FALLBACKS). The peer's uid: SO_PEERCRED on
// Linux (glibc has no getpeereid, so the portable build uses it too), getpeereid() on macOS.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "sys/fd.h"
#include "sys/result.h"

namespace companion::sys {

// The longest socket path a sockaddr_un holds (107 bytes on Linux, 103 on macOS).
std::size_t max_socket_path();

// Creates a fresh directory `<parent>/<prefix>XXXXXX` with mode 0700 (mkdtemp) and returns its
// path. `parent` must be an existing directory. Refuses, with one line and before creating
// anything, a directory in which a socket named with `longest_name` bytes would not fit
// max_socket_path() (macOS allows 103 bytes: a per-user TMPDIR under /var/folders is long).
Result<std::string> make_socket_dir(const std::string& parent, const std::string& prefix,
                                    std::size_t longest_name = 16);

// Binds and listens on `path` (mode 0600 whatever the umask). Refuses a path that is too long
// or already exists. REQUIRES: the directory of `path` is private to this uid.
Result<UniqueFd> listen_unix(const std::string& path, int backlog = 128);

// Accepts one pending connection. An invalid UniqueFd (no error) when none is pending.
Result<UniqueFd> accept_unix(int listen_fd);

// Connects to the socket at `path`. Never blocks: a listener whose backlog is full (a stopped
// broker) is an error, like a missing socket or one nobody listens on.
Result<UniqueFd> connect_unix(const std::string& path);

// Writes what the socket takes at once of `data` (it never blocks); the rest is dropped. For a
// short last line to a peer that is being refused.
void send_now(int fd, std::string_view data);

// Removes the directory `dir` when it is empty; anything else (missing, not empty) is left.
void remove_dir_if_empty(const std::string& dir);

// This process's effective uid.
uid_t own_uid();

// The effective uid of the process at the other end of a connected unix socket.
Result<uid_t> peer_uid(int fd);

}  // namespace companion::sys
