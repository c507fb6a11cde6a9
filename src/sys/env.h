// The program's one seam to the operating system (DESIGN.md "Rules", in the spirit of LevelDB's
// `Env`): files, locks, processes and signals, the clocks and sleeping, environment variables.
//
// Everything above sys/ that decides what to do with the OS (the store, running and cancelling
// jobs, the commands) reaches it through an `Env&`, so tests can run it against a fake clock
// (sys/fake_env.h: sleeping advances time, no real waiting), fail one chosen operation
// (FaultInjectionEnv) or pretend to be a process table. default_env() is called in main only
// (src/cli/main.cc), which hands the one real Env down; scripts/lint_rules.py checks that, and
// that no code outside sys/ calls a free function of sys/ that has an Env method here.
// What stays a free function of sys/, outside the seam: the event-loop code (the rpc/ transports,
// the turn runner's workspace watch in codex/turn_run.cc, the broker's socket and client
// handling on Asio: pipes, exit descriptors, reaping, unix sockets, peer credentials), process-wide
// set-up (signal dispositions and stop handlers, the subreaper, forking off a daemon, the process's
// own executable and umask), standard input and output, and pure helpers (paths as text, JSON,
// hashes of bytes). They are tested against the real OS.
//
// Errors are values: each fallible operation says what it was doing and why it failed.
// Thread-safety: default_env() may be used from any thread; wrappers are as thread-safe as the
// state their tests give them (the fakes here are not thread-safe).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sys/fd.h"
#include "sys/file_rewrite.h"
#include "sys/fs.h"
#include "sys/lock.h"
#include "sys/path_checks.h"
#include "sys/process.h"
#include "sys/result.h"
#include "sys/run.h"

namespace companion::sys {

// What the OS says about a live process.
struct ProcessInfo {
  pid_t pid = 0;
  pid_t pgid = 0;           // its process group
  pid_t sid = 0;            // its session
  uint64_t start_time = 0;  // clock ticks since boot: with the pid, the process's identity
};

class Env {
 public:
  virtual ~Env() = default;

  // --- Clocks. Wall time in ms since the Unix epoch; monotonic time in ms (CLOCK_MONOTONIC).
  virtual int64_t now_ms() = 0;
  virtual int64_t monotonic_ms() = 0;
  // Blocks the calling thread for `ms` (a fake clock advances instead). ms <= 0 returns at once.
  virtual void sleep_ms(int64_t ms) = 0;

  // --- Environment variables (read once, into Config) and the working directory.
  // nullopt when unset; an empty value is returned as "".
  virtual std::optional<std::string> get_var(const std::string& name) = 0;
  // Every variable of the environment, (name, value) in no particular order.
  virtual std::vector<std::pair<std::string, std::string>> variables() = 0;
  virtual Result<std::string> current_dir() = 0;

  // --- Files. Reads accept regular files only (never a FIFO, device or directory), open with
  // O_NOFOLLOW | O_NONBLOCK so a planted symlink or FIFO can neither redirect nor block them,
  // and are bounded (read_file fails when the file is larger than `max_bytes`; read_tail returns
  // its last `max_bytes`).
  // `links`: whether a symlink at `path` is followed (files the user names) or refused (state).
  virtual Result<std::string> read_file(const std::string& path, size_t max_bytes, Links links) = 0;
  virtual Result<std::string> read_tail(const std::string& path, size_t max_bytes) = 0;
  // Appends to a regular file (created 0600, never through a symlink); a write that fails half
  // way is undone (see sys/fs.h).
  virtual Status append_file(const std::string& path, std::string_view data) = 0;
  // Replaces `path` by write, fsync, rename (mode 0600).
  virtual Status write_file_atomic(const std::string& path, std::string_view data) = 0;
  // Rewrites a regular file that others read by path, atomically, keeping its mode, bounded
  // (see sys/file_rewrite.h).
  virtual Status rewrite_file(const std::string& path, size_t max_bytes, mode_t new_mode,
                              const FileEdit& edit) = 0;
  // A missing file is not an error.
  virtual Status remove_file(const std::string& path) = 0;
  // Creates the directory (and missing parents) 0700, or checks an existing one is a private
  // directory of ours (see sys/fs.h).
  virtual Status ensure_private_dir(const std::string& path) = 0;
  // An existing directory owned by this uid with no access for others (see sys::check_private_dir).
  virtual Status check_private_dir(const std::string& path) = 0;
  // A fresh private directory for a unix socket under `parent` (see sys::make_socket_dir).
  virtual Result<std::string> make_socket_dir(const std::string& parent,
                                              const std::string& prefix) = 0;
  // lstat() succeeds: a dangling symlink exists.
  virtual bool path_exists(const std::string& path) = 0;
  // Names in a directory, "." and ".." left out, unsorted.
  virtual Result<std::vector<std::string>> list_dir(const std::string& path) = 0;
  // A close-on-exec descriptor open for appending to `path` (created 0600), for a child's stderr.
  virtual Result<UniqueFd> open_append(const std::string& path) = 0;
  // Up to `max_bytes` of the regular file `path` from byte `offset` (see sys/file_watch.h).
  virtual Result<std::string> read_file_range(const std::string& path, int64_t offset,
                                              size_t max_bytes) = 0;
  // The canonical absolute path of an existing path (see sys::real_path).
  virtual Result<std::string> real_path(const std::string& path) = 0;
  // What is at `path` itself (lstat; see sys/path_checks.h).
  virtual PathKind path_kind(const std::string& path) = 0;
  // stat() says a directory (a symlink to one counts).
  virtual bool is_directory(const std::string& path) = 0;
  // A regular file, or nothing, at `path` (lstat).
  virtual bool regular_or_missing(const std::string& path) = 0;
  // The size in bytes of the file at `path` (following symlinks); -1 when it cannot be read.
  virtual int64_t file_size(const std::string& path) = 0;
  // Device, inode, size and modification time of `path` (following symlinks; see sys/fs.h).
  virtual Result<FileStamp> file_stamp(const std::string& path) = 0;
  // Removes an empty directory; anything else (not empty, missing) is left as it is.
  virtual void remove_dir_if_empty(const std::string& path) = 0;
  // The target a symlink holds (see sys/path_checks.h).
  virtual Result<std::string> read_link(const std::string& path) = 0;
  // The real path of the deepest existing ancestor of the absolute `path`, then the rest as
  // written (see sys::resolve_existing_prefix).
  virtual std::string resolve_existing_prefix(const std::string& path) = 0;
  // The owner of `path` itself (lstat), and this process's effective uid.
  virtual Result<uid_t> owner_of(const std::string& path) = 0;
  virtual uid_t effective_uid() = 0;
  // The pseudo-filesystem `path` lives on ("proc", "sysfs", …), or nullopt for any other.
  virtual Result<std::optional<std::string>> pseudo_filesystem_of(const std::string& path) = 0;
  // Lowercase hex sha256 of a regular file, read in constant memory (see sys/sha256.h).
  virtual Result<std::string> sha256_file_hex(const std::string& path, Links links) = 0;
  // A close-on-exec descriptor at the start of an anonymous file holding `data` (a child's stdin;
  // see sys::data_fd).
  virtual Result<UniqueFd> data_fd(std::string_view data) = 0;

  // --- Locks (sys/lock.h): job liveness.
  virtual Result<UniqueFd> create_locked_file(const std::string& path) = 0;
  virtual Result<LockState> probe_lock(const std::string& path) = 0;

  // --- Processes and signals.
  virtual pid_t self_pid() = 0;
  // nullopt when no process `pid` exists (zombies excluded).
  virtual std::optional<ProcessInfo> process_info(pid_t pid) = 0;
  virtual Result<pid_t> spawn(const SpawnOptions& options) = 0;
  // A vanished target is not an error. Group and session signals refuse pid <= 1.
  virtual Status signal_process(pid_t pid, int sig) = 0;
  virtual Status signal_group(pid_t pgid, int sig) = 0;
  // See sys::end_session.
  virtual int end_session(pid_t leader, uint64_t start_time) = 0;
  // Runs a command to its end, bounded in time and output (see sys/run.h).
  virtual Result<RunResult> run_command(const RunOptions& options) = 0;
  // The absolute path of an executable `name` (a name with a slash is checked as it is), searched
  // in `path_var` (PATH's value; nullopt: this process's PATH). See sys::find_executable.
  virtual Result<std::string> find_executable(const std::string& name,
                                              const std::optional<std::string>& path_var) = 0;

  // True when `pid` is alive and started at `start_time` (0: any start time matches).
  bool process_matches(pid_t pid, uint64_t start_time);
};

// The real operating system. Lives for the whole process.
Env& default_env();

// Forwards every call to another Env; override what a test changes.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env& target) : target_(target) {}
  Env& target() { return target_; }

  int64_t now_ms() override { return target_.now_ms(); }
  int64_t monotonic_ms() override { return target_.monotonic_ms(); }
  void sleep_ms(int64_t ms) override { target_.sleep_ms(ms); }
  std::optional<std::string> get_var(const std::string& name) override {
    return target_.get_var(name);
  }
  std::vector<std::pair<std::string, std::string>> variables() override {
    return target_.variables();
  }
  Result<std::string> current_dir() override { return target_.current_dir(); }
  Result<std::string> read_file(const std::string& path, size_t max_bytes, Links links) override {
    return target_.read_file(path, max_bytes, links);
  }
  Result<std::string> read_tail(const std::string& path, size_t max_bytes) override {
    return target_.read_tail(path, max_bytes);
  }
  Status append_file(const std::string& path, std::string_view data) override {
    return target_.append_file(path, data);
  }
  Status write_file_atomic(const std::string& path, std::string_view data) override {
    return target_.write_file_atomic(path, data);
  }
  Status rewrite_file(const std::string& path, size_t max_bytes, mode_t new_mode,
                      const FileEdit& edit) override {
    return target_.rewrite_file(path, max_bytes, new_mode, edit);
  }
  Status remove_file(const std::string& path) override { return target_.remove_file(path); }
  Status ensure_private_dir(const std::string& path) override {
    return target_.ensure_private_dir(path);
  }
  Status check_private_dir(const std::string& path) override {
    return target_.check_private_dir(path);
  }
  Result<std::string> make_socket_dir(const std::string& parent,
                                      const std::string& prefix) override {
    return target_.make_socket_dir(parent, prefix);
  }
  bool path_exists(const std::string& path) override { return target_.path_exists(path); }
  Result<std::vector<std::string>> list_dir(const std::string& path) override {
    return target_.list_dir(path);
  }
  Result<UniqueFd> open_append(const std::string& path) override {
    return target_.open_append(path);
  }
  Result<std::string> read_file_range(const std::string& path, int64_t offset,
                                      size_t max_bytes) override {
    return target_.read_file_range(path, offset, max_bytes);
  }
  Result<std::string> real_path(const std::string& path) override {
    return target_.real_path(path);
  }
  PathKind path_kind(const std::string& path) override { return target_.path_kind(path); }
  bool is_directory(const std::string& path) override { return target_.is_directory(path); }
  bool regular_or_missing(const std::string& path) override {
    return target_.regular_or_missing(path);
  }
  int64_t file_size(const std::string& path) override { return target_.file_size(path); }
  Result<FileStamp> file_stamp(const std::string& path) override {
    return target_.file_stamp(path);
  }
  void remove_dir_if_empty(const std::string& path) override { target_.remove_dir_if_empty(path); }
  Result<std::string> read_link(const std::string& path) override {
    return target_.read_link(path);
  }
  std::string resolve_existing_prefix(const std::string& path) override {
    return target_.resolve_existing_prefix(path);
  }
  Result<uid_t> owner_of(const std::string& path) override { return target_.owner_of(path); }
  uid_t effective_uid() override { return target_.effective_uid(); }
  Result<std::optional<std::string>> pseudo_filesystem_of(const std::string& path) override {
    return target_.pseudo_filesystem_of(path);
  }
  Result<std::string> sha256_file_hex(const std::string& path, Links links) override {
    return target_.sha256_file_hex(path, links);
  }
  Result<UniqueFd> data_fd(std::string_view data) override { return target_.data_fd(data); }
  Result<UniqueFd> create_locked_file(const std::string& path) override {
    return target_.create_locked_file(path);
  }
  Result<LockState> probe_lock(const std::string& path) override {
    return target_.probe_lock(path);
  }
  pid_t self_pid() override { return target_.self_pid(); }
  std::optional<ProcessInfo> process_info(pid_t pid) override { return target_.process_info(pid); }
  Result<pid_t> spawn(const SpawnOptions& options) override { return target_.spawn(options); }
  Status signal_process(pid_t pid, int sig) override { return target_.signal_process(pid, sig); }
  Status signal_group(pid_t pgid, int sig) override { return target_.signal_group(pgid, sig); }
  int end_session(pid_t leader, uint64_t start_time) override {
    return target_.end_session(leader, start_time);
  }
  Result<RunResult> run_command(const RunOptions& options) override {
    return target_.run_command(options);
  }
  Result<std::string> find_executable(const std::string& name,
                                      const std::optional<std::string>& path_var) override {
    return target_.find_executable(name, path_var);
  }

 private:
  Env& target_;
};

}  // namespace companion::sys
