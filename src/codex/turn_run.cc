// run_turn_async() of run_turn_async.h: one turn as a race between its end and everything that
// can end it first (DESIGN.md invariant 1).
#include <fmt/format.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "codex/app_server.h"
#include "codex/broker_protocol.h"
#include "codex/provenance.h"
#include "codex/rate_limits.h"
#include "codex/run_turn_async.h"
#include "codex/turn_end.h"
#include "codex/turn_steps.h"
#include "sys/file_watch.h"
#include "sys/json_read.h"

namespace companion::codex {
namespace {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using Millis = std::chrono::milliseconds;

constexpr int kMaxLoggedDiagnostics = 5;
// Progress lines for answered server requests (approvals declined by policy): one each up to
// this many, then one line for the rest, so an app-server asking in a loop cannot flood the
// terminal and the job log.
constexpr int kMaxLoggedServerRequests = 20;

class TurnRun {
 public:
  TurnRun(asio::any_io_executor ex, TurnSpec spec, TurnLimits limits, Connector connector,
          TurnObserver& observer, rpc::Event* stop)
      : ex_(std::move(ex)),
        spec_(std::move(spec)),
        limits_(limits),
        connector_(std::move(connector)),
        observer_(observer),
        stop_(stop),
        wake_(ex_),
        broker_event_(ex_) {}

  asio::awaitable<TurnOutcome> run() {
    deadline_at_ = Clock::now() + Millis(limits_.deadline_ms);
    workspace_ = sys::directory_identity(spec_.cwd);
    AppServerOptions options;
    options.codex = spec_.codex;
    options.cwd = spec_.cwd;
    options.stop_step = Millis(limits_.stop_step_ms);
    options.log = [this](rpc::DiagnosticKind kind, std::string_view line) {
      diagnostic(kind, line);
    };
    if (!connector_.broker_endpoint.empty()) {
      auto broker = AppServer::connect_broker(ex_, connector_.broker_endpoint, options);
      // (No co_await inside a conditional expression: GCC 12 destroys its temporaries twice.)
      End end{TurnEnd::kBrokerLost, "", false, true};
      if (broker) {
        end = co_await attempt(std::move(*broker));
      } else {
        end.message = broker.error().message;
      }
      if (!end.broker_failure || turn_requested_ || !connector_.direct_fallback) {
        co_await finish(std::move(end));
        co_return outcome_;
      }
      observer_.on_progress({"The shared Codex broker failed before the turn started (" +
                                 end.message + "); using a direct app-server.",
                             std::nullopt});
      if (app_) co_await app_->shutdown("leaving the broker for a direct app-server");
      reset();
    }
    auto started = AppServer::start_direct(ex_, options);
    if (!started) {
      End end = blame_a_vanished_workspace(End{TurnEnd::kError, started.error().message},
                                           workspace_vanished(), spec_.cwd);
      outcome_.end_reason = end.reason;
      outcome_.error_message = end.message;
      co_return outcome_;
    }
    End end = co_await attempt(std::move(*started));
    co_await finish(std::move(end));
    co_return outcome_;
  }

 private:
  asio::awaitable<End> attempt(std::unique_ptr<AppServer> app) {
    app_ = std::move(app);
    outcome_.app_server_pid = app_->pid();
    outcome_.runtime = app_->via_broker() ? "shared" : "direct";
    provenance_.set_runtime(outcome_.runtime);
    if (!app_->via_broker()) observer_.on_app_server_started(app_->pid());
    attach_handlers();
    last_activity_ = Clock::now();
    auto winner = co_await (drive() || watch_closed() || watch_broker() || watch_stall() ||
                            watch_deadline() || watch_stop() || watch_workspace());
    co_return std::visit([](End e) { return e; }, winner);
  }

  void reset() {
    app_.reset();
    capture_ = TurnCapture();
    thread_id_.clear();
    turn_id_.clear();
    turn_started_ = false;
    broker_event_.reset();
    broker_cause_.clear();
    broker_reason_.clear();
    provenance_ = Provenance();
    catalog_ = nullptr;
  }

  void attach_handlers() {
    auto& connection = app_->connection();
    // Activity for the stall timer: any byte from a child of our own; through a broker only our
    // own threads' traffic (the broker sends every client the notifications that name no thread,
    // such as account/rateLimits/updated of other jobs' turns, which must not keep a hung turn
    // of ours looking alive).
    if (!app_->via_broker()) {
      connection.set_activity_handler([this] { last_activity_ = Clock::now(); });
    }
    connection.set_notification_handler([this](const std::string& method, const Json& params) {
      if (app_->via_broker() &&
          (method == "thread/started" || !rpc::string_member(params, "threadId").empty())) {
        last_activity_ = Clock::now();
      }
      on_notification(method, params);
    });
    app_->set_server_request_observer([this](const ServerAnswer& answer) {
      last_activity_ = Clock::now();
      if (++server_requests_ <= kMaxLoggedServerRequests) {
        observer_.on_progress({answer.summary + ".", std::nullopt});
      } else if (server_requests_ == kMaxLoggedServerRequests + 1) {
        observer_.on_progress({fmt::format("Answered more than {} server requests; the rest are "
                                           "not shown.",
                                           kMaxLoggedServerRequests),
                               std::nullopt});
      }
    });
  }

  // Dropped lines reach the job's log (a few: enough to see what Codex sent); refusals have
  // their own progress line (the server-request observer).
  void diagnostic(rpc::DiagnosticKind kind, std::string_view line) {
    if (kind != rpc::DiagnosticKind::kSkipped || diagnostics_ >= kMaxLoggedDiagnostics) return;
    ++diagnostics_;
    observer_.on_progress({fmt::format("Codex app-server: {}", line), std::nullopt});
  }

  // What the capture said: its progress lines, then its token usage when that changed.
  void report(const std::vector<ProgressEvent>& events) {
    for (const auto& event : events) observer_.on_progress(event);
    if (auto usage = capture_.take_token_usage()) observer_.on_token_usage(*usage);
  }

  void on_notification(const std::string& method, const Json& params) {
    if (method == kBrokerShuttingDown && app_->via_broker()) {
      broker_cause_ = rpc::string_member(params, "cause");
      broker_reason_ = rpc::string_member(params, "reason");
      if (broker_reason_.empty()) broker_reason_ = "no reason given";
      broker_event_.set();
      return;
    }
    if (provenance_.on_notification(method, params, thread_id_)) report_resolved();
    if (rate_limits_.on_notification(method, params)) {
      outcome_.rate_limits = rate_limits_.snapshot();
      observer_.on_rate_limits(outcome_.rate_limits);
    }
    report(capture_.on_notification(method, params));
    wake_.set();
  }

  const char* when() const { return turn_started_ ? "during the turn" : "before the turn started"; }

  // The end for a failed step: the connection's close reason when it closed.
  End failure(const std::string& message) {
    if (app_->connection().closed() || broker_event_.is_set()) return closed_end();
    return End{TurnEnd::kError, message};
  }

  End closed_end() {
    if (broker_event_.is_set()) return broker_end(broker_cause_, broker_reason_, when());
    return codex::closed_end(app_->connection().close_info(), app_->via_broker(), when());
  }

  void report_resolved() {
    outcome_.resolved = provenance_.to_json();
    observer_.on_resolved(outcome_.resolved);
  }

  void turn_begun(const Json& response) {
    if (spec_.kind != JobKind::kReview) {  // review/start carries no model or effort
      provenance_.on_turn_overrides(spec_.model, spec_.effort);
    }
    (void)provenance_.on_model_list(catalog_);
    report_resolved();
    turn_id_ = turn_id_of(response);
    // AppServer::start_review checked it is a plain id.
    if (auto review_thread = sys::json_string(response, "reviewThreadId");
        review_thread && *review_thread != thread_id_) {
      capture_.track_thread(*review_thread);
    }
    report(capture_.set_turn_id(turn_id_));
    turn_started_ = true;
    observer_.on_ids(thread_id_, turn_id_);
    std::string status = turn_status_of(response);
    if (!status.empty() && status != "inProgress" && !capture_.finished()) {
      // Already over when it was answered: treat the answer as its turn/completed.
      Json done = {{"threadId", thread_id_}, {"turn", response["turn"]}};
      report(capture_.on_notification("turn/completed", done));
    }
  }

  asio::awaitable<End> drive() {
    auto init = co_await initialize_app_server(*app_, limits_.broker_connect_ms);
    if (!init) {
      End end = failure(init.error().message);
      end.broker_failure = end.broker_failure || app_->via_broker();
      co_return end;
    }
    provenance_.on_initialize(*init);  // reported with the thread's settings
    auto thread = co_await open_thread(*app_, spec_, catalog_);
    if (!thread) co_return failure(thread.error().message);
    provenance_.on_thread(*thread);
    report_resolved();
    thread_id_ = thread_id_of(*thread);
    capture_.set_root_thread(thread_id_);
    observer_.on_ids(thread_id_, "");
    observer_.on_progress({fmt::format("Thread ready ({}).", thread_id_), Phase::kStarting});
    if (!spec_.thread_name.empty()) {
      Status named = co_await app_->set_thread_name(thread_id_, spec_.thread_name);
      if (!named.ok()) {
        if (app_->connection().closed() || broker_event_.is_set()) co_return closed_end();
        observer_.on_progress(
            {"Could not name the thread: " + named.error().message, std::nullopt});
      }
    }
    turn_requested_ = true;
    auto started = co_await start_turn(*app_, spec_, thread_id_);
    if (!started) co_return failure(started.error().message);
    turn_begun(*started);
    co_await wait_for_capture();
    co_return capture_end(capture_.result());
  }

  asio::awaitable<void> wait_for_capture() {
    while (!capture_.finished()) {
      wake_.reset();
      if (auto grace = capture_.grace_ms()) {
        auto woke = co_await (wake_.wait() || rpc::sleep_for(Millis(*grace)));
        if (woke.index() == 1 && !capture_.finished() && capture_.grace_ms()) {
          report(capture_.on_grace_expired());
        }
      } else {
        co_await wake_.wait();
      }
    }
  }

  asio::awaitable<End> watch_closed() {
    co_await app_->connection().wait_closed();
    co_return closed_end();
  }

  asio::awaitable<End> watch_broker() {
    co_await broker_event_.wait();
    co_return broker_end(broker_cause_, broker_reason_, when());
  }

  asio::awaitable<End> watch_stall() {
    asio::steady_timer timer(ex_);
    const auto stall = Millis(limits_.stall_ms);
    for (;;) {
      auto due = last_activity_ + stall;
      if (Clock::now() >= due) {
        co_return stalled_end(limits_.stall_ms);
      }
      timer.expires_at(due);
      auto [ec] = co_await timer.async_wait(rpc::kNoThrow);
      if (ec) co_return End{};  // cancelled: another branch won
    }
  }

  asio::awaitable<End> watch_deadline() {
    asio::steady_timer timer(ex_, deadline_at_);
    auto [ec] = co_await timer.async_wait(rpc::kNoThrow);
    if (ec) co_return End{};
    co_return deadline_end(limits_.deadline_ms);
  }

  asio::awaitable<End> watch_stop() {
    if (stop_ == nullptr) {
      rpc::Event never(ex_);
      co_await never.wait();
      co_return End{};
    }
    co_await stop_->wait();
    co_return cancelled_by_user();
  }

  // The workspace deleted or moved away under the job (Claude Code removes a subagent's worktree
  // when the agent returns): nothing the turn does there can be kept, so it ends at once.
  asio::awaitable<End> watch_workspace() {
    for (;;) {
      if (workspace_vanished()) co_return workspace_gone(spec_.cwd);
      asio::steady_timer timer(ex_, Millis(limits_.workspace_check_ms));
      auto [ec] = co_await timer.async_wait(rpc::kNoThrow);
      if (ec) co_return End{};
    }
  }

  bool workspace_vanished() const {
    auto now = sys::directory_identity(spec_.cwd);
    return !workspace_ || !now || !(*now == *workspace_);
  }

  asio::awaitable<void> finish(End end) {
    report_resolved();  // what is known, also when the thread never opened
    end = blame_a_vanished_workspace(std::move(end), workspace_vanished(), spec_.cwd);
    if (app_ && end.interrupt && !turn_id_.empty() && !app_->connection().closed()) {
      outcome_.interrupt_attempted = true;
      observer_.on_interrupt_requested();
      // A review runs an inner turn: name the one Codex reports as active.
      std::string target = capture_.active_turn_id();
      Status st = co_await app_->interrupt_turn(thread_id_, target, Millis(limits_.interrupt_ms));
      outcome_.interrupted = st.ok();
      if (st.ok()) observer_.on_interrupted();
      // Codex's turn/completed (interrupted) may have been reported by the capture already.
      bool reported = capture_.finished();
      if (!st.ok()) {
        observer_.on_progress(
            {"Interrupting the turn failed: " + st.error().message, std::nullopt});
      } else if (!reported) {
        observer_.on_progress({"Turn interrupted.", std::nullopt});
      }
    }
    if (app_) co_await app_->shutdown("the turn ended");
    outcome_.end_reason = end.reason;
    outcome_.error_message = end.message;
    outcome_.result = capture_.result();
    if (outcome_.result.thread_id.empty()) outcome_.result.thread_id = thread_id_;
    if (outcome_.result.turn_id.empty()) outcome_.result.turn_id = turn_id_;
  }

  asio::any_io_executor ex_;
  TurnSpec spec_;
  TurnLimits limits_;
  Connector connector_;
  TurnObserver& observer_;
  rpc::Event* stop_;
  std::unique_ptr<AppServer> app_;
  TurnCapture capture_;  // from the start: it keeps what arrives before the turn id
  Provenance provenance_;
  RateLimitTracker rate_limits_;  // the account's usage windows, as the turn saw them
  Json catalog_;                  // model/list's answer; null when not read
  rpc::Event wake_, broker_event_;
  std::string broker_cause_, broker_reason_;
  Clock::time_point last_activity_, deadline_at_;
  std::optional<sys::FileIdentity> workspace_;  // the working directory when the run began
  std::string thread_id_, turn_id_;
  bool turn_started_ = false, turn_requested_ = false;
  int diagnostics_ = 0;
  int server_requests_ = 0;
  TurnOutcome outcome_;
};

}  // namespace

asio::awaitable<TurnOutcome> run_turn_async(TurnSpec spec, TurnLimits limits, Connector connector,
                                            TurnObserver& observer, rpc::Event* stop) {
  auto ex = co_await asio::this_coro::executor;
  auto run =
      std::make_unique<TurnRun>(ex, std::move(spec), limits, std::move(connector), observer, stop);
  co_return co_await run->run();
}

}  // namespace companion::codex
