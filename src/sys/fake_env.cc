#include "sys/fake_env.h"

namespace companion::sys {

void FakeClockEnv::sleep_ms(int64_t ms) {
  sleeps_.push_back(ms);
  if (ms > 0) advance(ms);
}

void FakeClockEnv::advance(int64_t ms) {
  now_ += ms;
  monotonic_ += ms;
}

void FaultInjectionEnv::fail(Op op, int nth, std::string path_part, std::string message) {
  faults_.emplace(op, Fault{nth, std::move(path_part),
                            message.empty() ? "injected fault" : std::move(message)});
}

int FaultInjectionEnv::calls(Op op) const {
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

std::optional<Error> FaultInjectionEnv::check(Op op, const std::string& path) {
  ++calls_[op];
  auto [first, last] = faults_.equal_range(op);
  for (auto it = first; it != last; ++it) {
    Fault& fault = it->second;
    if (!fault.path_part.empty() && path.find(fault.path_part) == std::string::npos) continue;
    if (--fault.countdown > 0) continue;
    Error error{fault.message};
    faults_.erase(it);
    return error;
  }
  return std::nullopt;
}

Result<std::string> FaultInjectionEnv::read_file(const std::string& path, size_t max_bytes,
                                                 Links links) {
  if (auto e = check(Op::kReadFile, path)) return *e;
  return EnvWrapper::read_file(path, max_bytes, links);
}

Result<std::string> FaultInjectionEnv::read_tail(const std::string& path, size_t max_bytes) {
  if (auto e = check(Op::kReadFile, path)) return *e;
  return EnvWrapper::read_tail(path, max_bytes);
}

Status FaultInjectionEnv::append_file(const std::string& path, std::string_view data) {
  if (auto e = check(Op::kAppendFile, path)) return *e;
  return EnvWrapper::append_file(path, data);
}

Status FaultInjectionEnv::write_file_atomic(const std::string& path, std::string_view data) {
  if (auto e = check(Op::kWriteFile, path)) return *e;
  return EnvWrapper::write_file_atomic(path, data);
}

Status FaultInjectionEnv::rewrite_file(const std::string& path, size_t max_bytes, mode_t new_mode,
                                       const FileEdit& edit) {
  if (auto e = check(Op::kWriteFile, path)) return *e;
  return EnvWrapper::rewrite_file(path, max_bytes, new_mode, edit);
}

Status FaultInjectionEnv::remove_file(const std::string& path) {
  if (auto e = check(Op::kRemoveFile, path)) return *e;
  return EnvWrapper::remove_file(path);
}

Status FaultInjectionEnv::ensure_private_dir(const std::string& path) {
  if (auto e = check(Op::kMakeDir, path)) return *e;
  return EnvWrapper::ensure_private_dir(path);
}

Result<UniqueFd> FaultInjectionEnv::open_append(const std::string& path) {
  if (auto e = check(Op::kOpenAppend, path)) return *e;
  return EnvWrapper::open_append(path);
}

Result<UniqueFd> FaultInjectionEnv::create_locked_file(const std::string& path) {
  if (auto e = check(Op::kCreateLock, path)) return *e;
  return EnvWrapper::create_locked_file(path);
}

Result<LockState> FaultInjectionEnv::probe_lock(const std::string& path) {
  if (auto e = check(Op::kProbeLock, path)) return *e;
  return EnvWrapper::probe_lock(path);
}

Result<pid_t> FaultInjectionEnv::spawn(const SpawnOptions& options) {
  if (auto e = check(Op::kSpawn, options.argv.empty() ? "" : options.argv[0])) return *e;
  return EnvWrapper::spawn(options);
}

Status FaultInjectionEnv::signal_process(pid_t pid, int sig) {
  if (auto e = check(Op::kSignal, "")) return *e;
  return EnvWrapper::signal_process(pid, sig);
}

Status FaultInjectionEnv::signal_group(pid_t pgid, int sig) {
  if (auto e = check(Op::kSignal, "")) return *e;
  return EnvWrapper::signal_group(pgid, sig);
}

}  // namespace companion::sys
