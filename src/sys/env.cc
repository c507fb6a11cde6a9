#include "sys/env.h"

#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include "sys/clock.h"
#include "sys/file_watch.h"
#include "sys/fs.h"
#include "sys/sha256.h"
#include "sys/unix_socket.h"

extern char** environ;

namespace companion::sys {

bool Env::process_matches(pid_t pid, uint64_t start_time) {
  auto info = process_info(pid);
  return info && (start_time == 0 || info->start_time == start_time);
}

namespace {

class RealEnv final : public Env {
 public:
  int64_t now_ms() override { return sys::now_ms(); }
  int64_t monotonic_ms() override { return sys::monotonic_ms(); }
  void sleep_ms(int64_t ms) override { sys::sleep_ms(ms); }
  std::optional<std::string> get_var(const std::string& name) override {
    const char* value = ::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  }
  std::vector<std::pair<std::string, std::string>> variables() override {
    std::vector<std::pair<std::string, std::string>> out;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      size_t eq = entry.find('=');
      if (eq == std::string_view::npos || eq == 0) continue;
      out.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    return out;
  }
  Result<std::string> current_dir() override {
    char buf[4096];
    if (::getcwd(buf, sizeof buf) == nullptr) {
      return make_error("cannot read the current directory: {}", errno_text());
    }
    return std::string(buf);
  }
  Result<std::string> read_file(const std::string& path, size_t max_bytes, Links links) override {
    return sys::read_file(path, max_bytes, links);
  }
  Result<std::string> read_tail(const std::string& path, size_t max_bytes) override {
    return sys::read_tail(path, max_bytes, Links::kRefuse);
  }
  Status append_file(const std::string& path, std::string_view data) override {
    return sys::append_file(path, data);
  }
  Status write_file_atomic(const std::string& path, std::string_view data) override {
    return sys::write_file_atomic(path, data);
  }
  Status rewrite_file(const std::string& path, size_t max_bytes, mode_t new_mode,
                      const FileEdit& edit) override {
    return sys::rewrite_file(path, max_bytes, new_mode, edit);
  }
  Status remove_file(const std::string& path) override { return sys::remove_file(path); }
  Status ensure_private_dir(const std::string& path) override {
    return sys::ensure_private_dir(path);
  }
  Status check_private_dir(const std::string& path) override {
    return sys::check_private_dir(path);
  }
  Result<std::string> make_socket_dir(const std::string& parent,
                                      const std::string& prefix) override {
    return sys::make_socket_dir(parent, prefix);
  }
  bool path_exists(const std::string& path) override { return sys::path_exists(path); }
  Result<std::vector<std::string>> list_dir(const std::string& path) override {
    return sys::list_dir(path);
  }
  Result<UniqueFd> open_append(const std::string& path) override { return sys::open_append(path); }
  Result<std::string> read_file_range(const std::string& path, int64_t offset,
                                      size_t max_bytes) override {
    return sys::read_file_range(path, offset, max_bytes);
  }
  Result<std::string> real_path(const std::string& path) override { return sys::real_path(path); }
  PathKind path_kind(const std::string& path) override { return sys::path_kind(path); }
  bool is_directory(const std::string& path) override { return sys::is_directory(path); }
  bool regular_or_missing(const std::string& path) override {
    return sys::regular_or_missing(path);
  }
  int64_t file_size(const std::string& path) override { return sys::file_size(path); }
  Result<FileStamp> file_stamp(const std::string& path) override { return sys::file_stamp(path); }
  void remove_dir_if_empty(const std::string& path) override { sys::remove_dir_if_empty(path); }
  Result<std::string> read_link(const std::string& path) override { return sys::read_link(path); }
  std::string resolve_existing_prefix(const std::string& path) override {
    return sys::resolve_existing_prefix(path);
  }
  Result<uid_t> owner_of(const std::string& path) override { return sys::owner_of(path); }
  uid_t effective_uid() override { return sys::effective_uid(); }
  Result<std::optional<std::string>> pseudo_filesystem_of(const std::string& path) override {
    return sys::pseudo_filesystem_of(path);
  }
  Result<std::string> sha256_file_hex(const std::string& path, Links links) override {
    return sys::sha256_file_hex(path, links);
  }
  Result<UniqueFd> data_fd(std::string_view data) override { return sys::data_fd(data); }
  Result<UniqueFd> create_locked_file(const std::string& path) override {
    return sys::create_locked_file(path);
  }
  Result<LockState> probe_lock(const std::string& path) override { return sys::probe_lock(path); }
  pid_t self_pid() override { return ::getpid(); }
  std::optional<ProcessInfo> process_info(pid_t pid) override {
    auto st = read_proc_stat(pid);
    if (!st || st->state == 'Z') return std::nullopt;
    return ProcessInfo{pid, st->pgid, st->sid, st->start_time};
  }
  Result<pid_t> spawn(const SpawnOptions& options) override { return sys::spawn(options); }
  Status signal_process(pid_t pid, int sig) override { return sys::signal_process(pid, sig); }
  Status signal_group(pid_t pgid, int sig) override { return sys::signal_group(pgid, sig); }
  int end_session(pid_t leader, uint64_t start_time) override {
    return sys::end_session(leader, start_time);
  }
  Result<RunResult> run_command(const RunOptions& options) override {
    return sys::run_command(options);
  }
  Result<std::string> find_executable(const std::string& name,
                                      const std::optional<std::string>& path_var) override {
    return sys::find_executable(name, path_var);
  }
};

}  // namespace

Env& default_env() {
  static RealEnv env;
  return env;
}

}  // namespace companion::sys
