// Test support for jobs/: a fake process table on a fake clock. One "owner" process holds a
// job's lock until a signal (or the clock) makes it let go; every signal, session end and spawn
// is recorded. Everything else goes to the wrapped Env (real files, real SQLite).
#pragma once

#include <signal.h>

#include <string>
#include <vector>

#include "sys/fake_env.h"

namespace companion::jobs::testing {

class FakeOwnerEnv : public sys::FakeClockEnv {
 public:
  struct Owner {
    pid_t pid = 4242;
    uint64_t start_time = 777;
    bool leads_session = true;  // a background worker; false: a foreground command
    // After SIGTERM, the owner lets go of its lock this many ms later; -1: it ignores SIGTERM.
    int64_t term_release_ms = 200;
  };
  struct Signal {
    enum class Target { kProcess, kGroup } target;
    pid_t pid;
    int sig;
  };

  explicit FakeOwnerEnv(sys::Env& real) : FakeClockEnv(real) {}

  void set_owner(const std::string& lock_path, const Owner& owner) {
    lock_path_ = lock_path;
    owner_ = owner;
    alive_ = true;
    release_at_ = -1;
  }
  // The owner lets go of its lock (and exits) at this monotonic time, whatever it is sent.
  void release_at(int64_t monotonic_ms) { release_at_ = monotonic_ms; }

  const std::vector<Signal>& signals() const { return signals_; }
  const std::vector<std::pair<pid_t, uint64_t>>& ended_sessions() const { return ended_; }
  const std::vector<sys::SpawnOptions>& spawned() const { return spawned_; }
  bool owner_alive() { return holds_lock(); }

  Result<sys::LockState> probe_lock(const std::string& path) override {
    if (path != lock_path_) return FakeClockEnv::probe_lock(path);
    return holds_lock() ? sys::LockState::kHeld : sys::LockState::kFree;
  }
  std::optional<sys::ProcessInfo> process_info(pid_t pid) override {
    if (pid == owner_.pid) {
      if (!holds_lock()) return std::nullopt;
      return sys::ProcessInfo{pid, pid, owner_.leads_session ? pid : 1, owner_.start_time};
    }
    return FakeClockEnv::process_info(pid);
  }
  Status signal_process(pid_t pid, int sig) override {
    signals_.push_back({Signal::Target::kProcess, pid, sig});
    deliver(pid, sig);
    return {};
  }
  Status signal_group(pid_t pgid, int sig) override {
    signals_.push_back({Signal::Target::kGroup, pgid, sig});
    deliver(pgid, sig);
    return {};
  }
  int end_session(pid_t leader, uint64_t start_time) override {
    ended_.emplace_back(leader, start_time);
    return 0;
  }
  Result<pid_t> spawn(const sys::SpawnOptions& options) override {
    spawned_.push_back(options);
    return owner_.pid;
  }

 private:
  bool holds_lock() {
    if (alive_ && release_at_ >= 0 && monotonic_ms() >= release_at_) alive_ = false;
    return alive_;
  }
  void deliver(pid_t pid, int sig) {
    if (pid != owner_.pid || !holds_lock()) return;
    if (sig == SIGKILL) alive_ = false;
    if (sig == SIGTERM && owner_.term_release_ms >= 0 && release_at_ < 0) {
      release_at_ = monotonic_ms() + owner_.term_release_ms;
    }
  }

  std::string lock_path_;
  Owner owner_;
  bool alive_ = false;
  int64_t release_at_ = -1;
  std::vector<Signal> signals_;
  std::vector<std::pair<pid_t, uint64_t>> ended_;
  std::vector<sys::SpawnOptions> spawned_;
};

}  // namespace companion::jobs::testing
