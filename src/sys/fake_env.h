// Test doubles of the OS seam (sys/env.h), for unit tests of the layers above sys/:
//   FakeClockEnv       a clock that only moves when told to or when someone sleeps, so waits,
//                      graces and deadlines run in microseconds and exactly;
//   FaultInjectionEnv  fails a chosen operation (its n-th call, optionally only on paths that
//                      contain a fragment), the way LevelDB's fault-injection Env does.
// Both wrap another Env (the real one, or another fake) for everything they do not change.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sys/env.h"

namespace companion::sys {

class FakeClockEnv : public EnvWrapper {
 public:
  explicit FakeClockEnv(Env& target, int64_t now_ms = 1795000000000, int64_t monotonic_ms = 1000)
      : EnvWrapper(target), now_(now_ms), monotonic_(monotonic_ms) {}

  int64_t now_ms() override { return now_; }
  int64_t monotonic_ms() override { return monotonic_; }
  // Advances both clocks by `ms` and records the sleep; returns at once.
  void sleep_ms(int64_t ms) override;

  void advance(int64_t ms);
  // Every sleep asked for, in order.
  const std::vector<int64_t>& sleeps() const { return sleeps_; }

 private:
  int64_t now_;
  int64_t monotonic_;
  std::vector<int64_t> sleeps_;
};

class FaultInjectionEnv : public EnvWrapper {
 public:
  enum class Op {
    kReadFile,
    kAppendFile,
    kWriteFile,
    kRemoveFile,
    kMakeDir,
    kOpenAppend,
    kCreateLock,
    kProbeLock,
    kSpawn,
    kSignal,
  };

  explicit FaultInjectionEnv(Env& target) : EnvWrapper(target) {}

  // The `nth` call (1-based, counted from now) of `op` whose path contains `path_part` (any path
  // when empty) fails with `message` ("injected fault" by default).
  void fail(Op op, int nth = 1, std::string path_part = {}, std::string message = {});
  // How many calls of `op` were made (failed ones included).
  int calls(Op op) const;

  Result<std::string> read_file(const std::string& path, size_t max_bytes, Links links) override;
  Result<std::string> read_tail(const std::string& path, size_t max_bytes) override;
  Status append_file(const std::string& path, std::string_view data) override;
  Status write_file_atomic(const std::string& path, std::string_view data) override;
  // Counted and failed as Op::kWriteFile.
  Status rewrite_file(const std::string& path, size_t max_bytes, mode_t new_mode,
                      const FileEdit& edit) override;
  Status remove_file(const std::string& path) override;
  Status ensure_private_dir(const std::string& path) override;
  Result<UniqueFd> open_append(const std::string& path) override;
  Result<UniqueFd> create_locked_file(const std::string& path) override;
  Result<LockState> probe_lock(const std::string& path) override;
  Result<pid_t> spawn(const SpawnOptions& options) override;
  Status signal_process(pid_t pid, int sig) override;
  Status signal_group(pid_t pgid, int sig) override;

 private:
  struct Fault {
    int countdown;
    std::string path_part;
    std::string message;
  };
  // Counts the call; the error when an armed fault fires on it.
  std::optional<Error> check(Op op, const std::string& path);

  std::map<Op, int> calls_;
  std::multimap<Op, Fault> faults_;
};

}  // namespace companion::sys
