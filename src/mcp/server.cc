#include "mcp/server.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "mcp/results.h"
#include "mcp/session.h"
#include "rpc/jsonrpc.h"
#include "sys/json_read.h"
#include "sys/terminal_text.h"

namespace companion::mcp {

namespace {

using nlohmann::json;

constexpr int64_t kPollMs = 1000;  // one `status --wait` round while waiting for a job
constexpr size_t kMaxCliOutput = 32 * 1024 * 1024;

struct Flag {
  std::atomic<bool> set{false};
};

class Server {
 public:
  Server(sys::Env& env, ServerOptions options)
      : env_(env), options_(std::move(options)), session_(options_.version) {}

  int run();

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<Flag> done;
  };

  void send(const json& message);
  void log(LogLevel level, const std::string& text);
  void apply(Step step);
  void start(Work work);
  void reap_workers(bool all);
  std::string workspace();
  CliOutcome run_cli(const std::vector<std::string>& args, const std::string& what);
  CliOutcome job_command(const char* command, const std::string& id,
                         std::vector<std::string> options = {});
  bool gone(const Flag& cancelled) const { return cancelled.set || stopping_; }

  std::optional<json> perform(const Work& work, const Flag& cancelled);
  std::optional<json> tool_call(const Work& work, const Flag& cancelled);
  std::optional<json> wait_for_job(const std::string& id, int64_t wait_ms,
                                   const json& progress_token, const Flag& cancelled);
  json task_answer(const std::string& id);
  std::optional<json> task_result(const Work& work, const Flag& cancelled);
  json task_cancel(const Work& work);
  json task_list();

  sys::Env& env_;
  ServerOptions options_;
  std::mutex session_mutex_;  // session_, cancel_flags_, workers_
  Session session_;
  std::map<std::string, std::shared_ptr<Flag>> cancel_flags_;
  std::list<Worker> workers_;
  std::mutex out_mutex_;
  std::atomic<bool> stopping_{false};
};

void Server::send(const json& message) {
  std::string line = encode(message);
  std::lock_guard lock(out_mutex_);
  // The line is JSON with every control escaped (encode()): printable_text leaves it as it is.
  sys::write_text(stdout, line);
}

void Server::log(LogLevel level, const std::string& text) {
  bool wanted = false;
  {
    std::lock_guard lock(session_mutex_);
    wanted = session_.should_log(level);
  }
  if (wanted && !text.empty()) send(Session::log_message(level, text));
}

std::string Server::workspace() {
  std::lock_guard lock(session_mutex_);
  return session_.root().value_or(options_.cwd);
}

CliOutcome Server::run_cli(const std::vector<std::string>& args, const std::string& what) {
  sys::RunOptions run;
  run.argv.push_back(options_.executable);
  run.argv.insert(run.argv.end(), args.begin(), args.end());
  run.timeout_ms = kCliTimeoutMs;
  run.max_stdout_bytes = kMaxCliOutput;
  auto ran = env_.run_command(run);
  if (!ran) {
    CliOutcome failed;
    failed.error = "codex-companion: cannot run " + what + ": " + ran.error().message;
    return failed;
  }
  CliOutcome outcome = read_cli_outcome(ran->exit_code(), ran->out, ran->err_tail, what);
  if (outcome.ok && !outcome.notes.empty()) log(LogLevel::kInfo, outcome.notes);
  return outcome;
}

CliOutcome Server::job_command(const char* command, const std::string& id,
                               std::vector<std::string> options) {
  CliCall call{"", {command}, {id}, CallMode::kRun, false};
  call.words.insert(call.words.end(), options.begin(), options.end());
  return run_cli(cli_argv(call, workspace()), command);
}

std::optional<json> Server::wait_for_job(const std::string& id, int64_t wait_ms,
                                         const json& progress_token, const Flag& cancelled) {
  int64_t deadline = env_.monotonic_ms() + wait_ms;
  json job;
  for (int round = 1;; ++round) {
    if (gone(cancelled)) return std::nullopt;
    int64_t left = deadline - env_.monotonic_ms();
    if (left <= 0 && !job.is_null()) return still_running_result(job);
    auto status = job_command(
        "status", id,
        {"--wait", fmt::format("--timeout-ms={}", std::clamp<int64_t>(left, 0, kPollMs))});
    if (!status.ok) return tool_error(status.error);
    job = sys::json_object(status.value, "job");
    if (job_terminal(job)) {
      auto result = job_command("result", id);
      if (!result.ok) return tool_error(result.error);
      return finished_job_result(result.value);
    }
    if (!progress_token.is_null()) {
      send(Session::progress(progress_token, round, progress_line(job)));
    }
  }
}

std::optional<json> Server::tool_call(const Work& work, const Flag& cancelled) {
  auto launched = run_cli(cli_argv(work.call, workspace()), work.call.words.front());
  if (!launched.ok) {
    if (work.as_task) return rpc::make_error_response(work.id, rpc::kInvalidParams, launched.error);
    return rpc::make_response(work.id, tool_error(launched.error));
  }
  if (work.call.mode == CallMode::kRun) {
    return rpc::make_response(work.id, tool_result(std::move(launched.value)));
  }
  std::string id = sys::json_text(launched.value, "jobId");
  if (work.as_task) return rpc::make_response(work.id, {{"task", task_answer(id)}});
  if (work.call.mode == CallMode::kLaunch) {
    return rpc::make_response(work.id, tool_result(std::move(launched.value)));
  }
  auto answer = wait_for_job(id, options_.wait_ms, work.progress_token, cancelled);
  if (!answer) {
    // The client gave the call up: a job it was waiting for in the foreground ends with it.
    if (cancelled.set) (void)job_command("cancel", id);
    return std::nullopt;
  }
  return rpc::make_response(work.id, std::move(*answer));
}

// The task for job `id` (a launch just made it: the store has it).
json Server::task_answer(const std::string& id) {
  auto status = job_command("status", id);
  json job =
      status.ok ? sys::json_object(status.value, "job") : json{{"id", id}, {"status", "queued"}};
  return task_of(job);
}

std::optional<json> Server::task_result(const Work& work, const Flag& cancelled) {
  for (;;) {
    if (gone(cancelled)) return std::nullopt;
    auto status =
        job_command("status", work.task_id, {"--wait", fmt::format("--timeout-ms={}", kPollMs)});
    if (!status.ok) return rpc::make_error_response(work.id, rpc::kInvalidParams, status.error);
    if (!job_terminal(sys::json_object(status.value, "job"))) continue;
    auto result = job_command("result", work.task_id);
    if (!result.ok) return rpc::make_error_response(work.id, rpc::kInvalidParams, result.error);
    json answer = finished_job_result(result.value);
    answer["_meta"] = {{"io.modelcontextprotocol/related-task", {{"taskId", work.task_id}}}};
    return rpc::make_response(work.id, std::move(answer));
  }
}

json Server::task_cancel(const Work& work) {
  auto status = job_command("status", work.task_id);
  if (!status.ok) return rpc::make_error_response(work.id, rpc::kInvalidParams, status.error);
  json job = sys::json_object(status.value, "job");
  if (job_terminal(job)) {
    return rpc::make_error_response(
        work.id, rpc::kInvalidParams,
        fmt::format("Cannot cancel task {}: it is already {}", work.task_id, job_status(job)));
  }
  auto cancelled = job_command("cancel", work.task_id);
  if (!cancelled.ok) return rpc::make_error_response(work.id, rpc::kInvalidParams, cancelled.error);
  return rpc::make_response(work.id, task_answer(work.task_id));
}

json Server::task_list() {
  CliCall call{"", {"status", "--all"}, {}, CallMode::kRun, false};
  auto status = run_cli(cli_argv(call, workspace()), "status");
  json tasks = json::array();
  if (!status.ok) return tasks;
  for (const char* list : {"running", "recent"}) {
    const json* jobs = sys::json_field(status.value, list);
    if (!jobs || !jobs->is_array()) continue;
    for (const auto& job : *jobs) tasks.push_back(task_of(job));
    const json& latest = sys::json_object(status.value, "latestFinished");
    if (std::string_view(list) == "running" && !latest.empty()) tasks.push_back(task_of(latest));
  }
  return tasks;
}

std::optional<json> Server::perform(const Work& work, const Flag& cancelled) {
  switch (work.kind) {
    case Work::Kind::kToolCall:
      return tool_call(work, cancelled);
    case Work::Kind::kTaskGet: {
      auto status = job_command("status", work.task_id);
      if (!status.ok) return rpc::make_error_response(work.id, rpc::kInvalidParams, status.error);
      return rpc::make_response(work.id, task_of(sys::json_object(status.value, "job")));
    }
    case Work::Kind::kTaskResult:
      return task_result(work, cancelled);
    case Work::Kind::kTaskCancel:
      return task_cancel(work);
    case Work::Kind::kTaskList:
      return rpc::make_response(work.id, {{"tasks", task_list()}});
  }
  return std::nullopt;
}

void Server::start(Work work) {
  auto cancelled = std::make_shared<Flag>();
  auto done = std::make_shared<Flag>();
  std::lock_guard lock(session_mutex_);
  cancel_flags_[work.id.dump()] = cancelled;
  workers_.push_back({std::thread([this, work = std::move(work), cancelled, done] {
                        std::optional<json> answer;
                        try {
                          answer = perform(work, *cancelled);
                        } catch (const std::exception& e) {
                          answer =
                              rpc::make_error_response(work.id, rpc::kInternalError,
                                                       std::string("internal error: ") + e.what());
                        }
                        if (answer && !cancelled->set) send(*answer);
                        {
                          std::lock_guard inner(session_mutex_);
                          session_.finished(work.id);
                          cancel_flags_.erase(work.id.dump());
                        }
                        done->set = true;
                      }),
                      done});
}

void Server::reap_workers(bool all) {
  std::list<Worker> ended;
  {
    std::lock_guard lock(session_mutex_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (all || it->done->set) {
        ended.splice(ended.end(), workers_, it++);
      } else {
        ++it;
      }
    }
  }
  for (auto& worker : ended) worker.thread.join();
}

void Server::apply(Step step) {
  for (const auto& message : step.send) send(message);
  {
    std::lock_guard lock(session_mutex_);
    for (const auto& id : step.cancelled) {
      auto it = cancel_flags_.find(id.dump());
      if (it != cancel_flags_.end()) it->second->set = true;
    }
  }
  for (auto& work : step.work) start(std::move(work));
  reap_workers(false);
}

int Server::run() {
  std::string line;
  bool oversized = false;
  for (int c = std::getc(stdin);; c = std::getc(stdin)) {
    if (c != EOF && c != '\n') {
      if (line.size() < options_.max_line) {
        line.push_back(static_cast<char>(c));
      } else {
        oversized = true;
      }
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    Step step;
    if (oversized || !line.empty()) {
      std::lock_guard lock(session_mutex_);
      step = oversized ? session_.on_oversized_line(options_.max_line) : session_.on_line(line);
    }
    apply(std::move(step));
    line.clear();
    oversized = false;
    if (c == EOF) break;
  }
  stopping_ = true;
  reap_workers(true);
  return 0;
}

}  // namespace

int serve(sys::Env& env, const ServerOptions& options) {
  Server server(env, options);
  return server.run();
}

}  // namespace companion::mcp
