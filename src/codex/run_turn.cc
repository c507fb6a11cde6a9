#include "codex/run_turn.h"

#include <fmt/format.h>
#include <signal.h>

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

#include "codex/app_server.h"
#include "rpc/event.h"
#include "sys/stop.h"

namespace companion::codex {
namespace {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using Millis = std::chrono::milliseconds;

constexpr std::size_t kMaxEarlyNotifications = 10000;
constexpr int kMaxLoggedDiagnostics = 5;

// How the race ended.
struct End {
  std::string reason;  // an end_reason of TurnOutcome
  std::string message;
  bool interrupt = false;  // ask Codex to interrupt the turn
};

// "600 s", "0.3 s".
std::string seconds(int64_t ms) {
  return fmt::format("{:g} s", static_cast<double>(ms) / 1000.0);
}

class TurnRun {
 public:
  TurnRun(asio::any_io_executor ex, const TurnSpec& spec, const TurnLimits& limits,
          TurnObserver& observer)
      : ex_(std::move(ex)), spec_(spec), limits_(limits), observer_(observer), wake_(ex_) {}

  const TurnOutcome& outcome() const { return outcome_; }

  asio::awaitable<void> run() {
    AppServerOptions options;
    options.codex = spec_.codex;
    options.cwd = spec_.cwd;
    options.stop_step = Millis(limits_.stop_step_ms);
    options.log = [this](std::string_view line) { diagnostic(line); };
    auto started = AppServer::start_direct(ex_, options);
    if (!started) {
      outcome_.end_reason = "error";
      outcome_.error_message = started.error().message;
      co_return;
    }
    app_ = std::move(*started);
    outcome_.app_server_pid = app_->pid();
    observer_.on_app_server_started(app_->pid());
    attach_handlers();
    last_activity_ = Clock::now();
    auto winner = co_await (drive() || watch_closed() || watch_stall() || watch_deadline() ||
                            watch_signals());
    End end = std::visit([](End e) { return e; }, winner);
    co_await finish(std::move(end));
  }

 private:
  void attach_handlers() {
    auto& connection = app_->connection();
    connection.set_activity_handler([this] { last_activity_ = Clock::now(); });
    connection.set_notification_handler(
        [this](const std::string& method, const Json& params) { on_notification(method, params); });
    connection.set_server_request_observer(
        [this](const std::string&, const Json&, const rpc::ServerAnswer& answer) {
          observer_.on_progress({answer.summary + ".", ""});
        });
  }

  void diagnostic(std::string_view line) {
    if (line.rfind("skipped", 0) != 0 || diagnostics_ >= kMaxLoggedDiagnostics) return;
    ++diagnostics_;
    observer_.on_progress({fmt::format("Codex app-server: {}", line), ""});
  }

  void report(const std::vector<ProgressEvent>& events) {
    for (const auto& event : events) observer_.on_progress(event);
  }

  void on_notification(const std::string& method, const Json& params) {
    if (!capture_) {
      if (early_.size() < kMaxEarlyNotifications) early_.emplace_back(method, params);
      return;
    }
    report(capture_->on_notification(method, params));
    wake_.set();
  }

  // The end for a failed step: the connection's close reason when it closed.
  End failure(const std::string& message) {
    auto& connection = app_->connection();
    if (connection.closed()) return closed_end();
    return End{"error", message};
  }

  End closed_end() {
    const rpc::CloseInfo& info = app_->connection().close_info();
    const char* when = turn_started_ ? "during the turn" : "before the turn started";
    return End{info.protocol_error ? "error" : "app-server-exited", info.describe(when)};
  }

  asio::awaitable<Result<Json>> open_thread() {
    ThreadOptions options{spec_.cwd, spec_.model, spec_.write,
                          spec_.ephemeral.value_or(spec_.kind != TurnSpec::Kind::kTask)};
    if (!spec_.resume_thread_id.empty()) {
      co_return co_await app_->resume_thread(spec_.resume_thread_id, options);
    }
    co_return co_await app_->start_thread(options);
  }

  asio::awaitable<Result<Json>> start() {
    if (spec_.kind == TurnSpec::Kind::kReview) {
      if (spec_.review_target.is_null()) co_return make_error("no review target was given");
      co_return co_await app_->start_review(thread_id_, spec_.review_target);
    }
    co_return co_await app_->start_turn(thread_id_, spec_.prompt, spec_.model, spec_.effort,
                                        spec_.output_schema);
  }

  // Creates the capture for the thread and replays what arrived before it existed.
  void begin_capture() {
    capture_.emplace(thread_id_);
    for (auto& [method, params] : early_) report(capture_->on_notification(method, params));
    early_.clear();
  }

  void turn_begun(const Json& response) {
    turn_id_ = turn_id_of(response);
    if (response.is_object() && response.contains("reviewThreadId") &&
        response["reviewThreadId"].is_string() && response["reviewThreadId"] != thread_id_) {
      capture_->track_thread(response["reviewThreadId"].get<std::string>());
    }
    report(capture_->set_turn_id(turn_id_));
    turn_started_ = true;
    observer_.on_ids(thread_id_, turn_id_);
    std::string status = turn_status_of(response);
    if (!status.empty() && status != "inProgress" && !capture_->finished()) {
      // Already over when it was answered: treat the answer as its turn/completed.
      Json done = {{"threadId", thread_id_}, {"turn", response["turn"]}};
      report(capture_->on_notification("turn/completed", done));
    }
  }

  asio::awaitable<End> drive() {
    auto init = co_await app_->initialize();
    if (!init) co_return failure(init.error().message);
    auto thread = co_await open_thread();
    if (!thread) co_return failure(thread.error().message);
    thread_id_ = thread_id_of(*thread);
    begin_capture();
    observer_.on_ids(thread_id_, "");
    observer_.on_progress({fmt::format("Thread ready ({}).", thread_id_), "starting"});
    if (!spec_.thread_name.empty()) {
      Status named = co_await app_->set_thread_name(thread_id_, spec_.thread_name);
      if (!named.ok()) {
        if (app_->connection().closed()) co_return closed_end();
        observer_.on_progress({"Could not name the thread: " + named.error().message, ""});
      }
    }
    auto started = co_await start();
    if (!started) co_return failure(started.error().message);
    turn_begun(*started);
    co_await wait_for_capture();
    co_return capture_end();
  }

  asio::awaitable<void> wait_for_capture() {
    while (!capture_->finished()) {
      wake_.reset();
      if (auto grace = capture_->grace_ms()) {
        auto woke = co_await (wake_.wait() || rpc::sleep_for(Millis(*grace)));
        if (woke.index() == 1 && !capture_->finished() && capture_->grace_ms()) {
          report(capture_->on_grace_expired());
        }
      } else {
        co_await wake_.wait();
      }
    }
  }

  End capture_end() {
    TurnResult result = capture_->result();
    if (result.status == "completed") return End{"completed", ""};
    if (result.status == "interrupted") return End{"cancelled", "The turn was interrupted."};
    std::string message =
        result.error_message.empty() ? "Codex reported the turn as failed." : result.error_message;
    return End{"turn-failed", message};
  }

  asio::awaitable<End> watch_closed() {
    co_await app_->connection().wait_closed();
    co_return closed_end();
  }

  asio::awaitable<End> watch_stall() {
    asio::steady_timer timer(ex_);
    const auto stall = Millis(limits_.stall_ms);
    for (;;) {
      auto due = last_activity_ + stall;
      if (Clock::now() >= due) {
        co_return End{"stalled", "No activity from Codex for " + seconds(limits_.stall_ms), true};
      }
      timer.expires_at(due);
      auto [ec] = co_await timer.async_wait(rpc::kNoThrow);
      if (ec) co_return End{};  // cancelled: another branch won
    }
  }

  asio::awaitable<End> watch_deadline() {
    asio::steady_timer timer(ex_, Millis(limits_.deadline_ms));
    auto [ec] = co_await timer.async_wait(rpc::kNoThrow);
    if (ec) co_return End{};
    co_return End{"deadline", "Job deadline of " + seconds(limits_.deadline_ms) + " reached", true};
  }

  asio::awaitable<End> watch_signals() {
    if (!limits_.handle_signals) {
      rpc::Event never(ex_);
      co_await never.wait();
      co_return End{};
    }
    asio::signal_set signals(ex_, SIGINT, SIGTERM);
    // A stop that arrived before this set took the signals over (sys/stop.h) counts too.
    if (sys::stop_requested()) co_return End{"cancelled", "Cancelled by user.", true};
    auto [ec, signal_number] = co_await signals.async_wait(rpc::kNoThrow);
    if (ec) co_return End{};
    (void)signal_number;
    co_return End{"cancelled", "Cancelled by user.", true};
  }

  asio::awaitable<void> finish(End end) {
    auto& connection = app_->connection();
    if (end.interrupt && !turn_id_.empty() && !connection.closed()) {
      outcome_.interrupt_attempted = true;
      observer_.on_interrupt_requested();
      // A review runs an inner turn: name the one Codex reports as active.
      std::string target = capture_ ? capture_->active_turn_id() : turn_id_;
      Status st = co_await app_->interrupt_turn(thread_id_, target, Millis(limits_.interrupt_ms));
      outcome_.interrupted = st.ok();
      if (st.ok()) observer_.on_interrupted();
      // Codex's turn/completed (interrupted) may have been reported by the capture already.
      bool reported = capture_ && capture_->finished();
      if (!st.ok()) {
        observer_.on_progress({"Interrupting the turn failed: " + st.error().message, ""});
      } else if (!reported) {
        observer_.on_progress({"Turn interrupted.", ""});
      }
    }
    co_await app_->shutdown("the turn ended");
    outcome_.end_reason = end.reason;
    outcome_.error_message = end.message;
    if (capture_) outcome_.result = capture_->result();
    if (outcome_.result.thread_id.empty()) outcome_.result.thread_id = thread_id_;
    if (outcome_.result.turn_id.empty()) outcome_.result.turn_id = turn_id_;
  }

  asio::any_io_executor ex_;
  const TurnSpec& spec_;
  const TurnLimits& limits_;
  TurnObserver& observer_;
  std::unique_ptr<AppServer> app_;
  std::optional<TurnCapture> capture_;
  std::vector<std::pair<std::string, Json>> early_;
  rpc::Event wake_;
  Clock::time_point last_activity_;
  std::string thread_id_, turn_id_;
  bool turn_started_ = false;
  int diagnostics_ = 0;
  TurnOutcome outcome_;
};

}  // namespace

TurnOutcome run_turn(const TurnSpec& spec, const TurnLimits& limits, TurnObserver& observer) {
  asio::io_context io;
  TurnRun run(io.get_executor(), spec, limits, observer);
  std::exception_ptr failure;
  bool done = false;
  asio::co_spawn(io, run.run(), [&](std::exception_ptr e) {
    failure = std::move(e);
    done = true;
    io.stop();  // the app-server was shut down: nothing left worth waiting for
  });
  io.run();
  TurnOutcome outcome = run.outcome();
  if (failure || !done) {
    outcome.end_reason = "error";
    try {
      if (failure) std::rethrow_exception(failure);
      outcome.error_message = "the turn ended without a result";
    } catch (const std::exception& e) {
      outcome.error_message = fmt::format("internal error while running the turn: {}", e.what());
    }
  }
  return outcome;
}

}  // namespace companion::codex
