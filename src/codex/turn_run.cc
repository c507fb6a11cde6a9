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
#include "codex/run_turn_async.h"
#include "sys/file_watch.h"
#include "sys/json_read.h"

namespace companion::codex {
namespace {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
// NOLINTNEXTLINE(misc-unused-using-decls): as above
using asio::experimental::awaitable_operators::operator&&;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using Millis = std::chrono::milliseconds;

constexpr std::size_t kMaxEarlyNotifications = 10000;
constexpr int kMaxLoggedDiagnostics = 5;
// Progress lines for answered server requests (approvals declined by policy): one each up to
// this many, then one line for the rest, so an app-server asking in a loop cannot flood the
// terminal and the job log.
constexpr int kMaxLoggedServerRequests = 20;

// How the race ended.
struct End {
  std::string reason;  // an end_reason of TurnOutcome
  std::string message;
  bool interrupt = false;       // ask Codex to interrupt the turn
  bool broker_failure = false;  // the broker (not Codex) failed: a direct app-server may retry
};

// "600 s", "0.3 s".
std::string seconds(int64_t ms) {
  return fmt::format("{:g} s", static_cast<double>(ms) / 1000.0);
}

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
      End end{"broker-lost", "", false, true};
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
                             ""});
      if (app_) co_await app_->shutdown("leaving the broker for a direct app-server");
      reset();
    }
    auto started = AppServer::start_direct(ex_, options);
    if (!started) {
      End end = blame_a_vanished_workspace(End{"error", started.error().message});
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
    capture_.reset();
    early_.clear();
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
        observer_.on_progress({answer.summary + ".", ""});
      } else if (server_requests_ == kMaxLoggedServerRequests + 1) {
        observer_.on_progress({fmt::format("Answered more than {} server requests; the rest are "
                                           "not shown.",
                                           kMaxLoggedServerRequests),
                               ""});
      }
    });
  }

  // Dropped lines reach the job's log (a few: enough to see what Codex sent); refusals have
  // their own progress line (the server-request observer).
  void diagnostic(rpc::DiagnosticKind kind, std::string_view line) {
    if (kind != rpc::DiagnosticKind::kSkipped || diagnostics_ >= kMaxLoggedDiagnostics) return;
    ++diagnostics_;
    observer_.on_progress({fmt::format("Codex app-server: {}", line), ""});
  }

  void report(const std::vector<ProgressEvent>& events) {
    for (const auto& event : events) observer_.on_progress(event);
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
    if (method == "thread/tokenUsage/updated" && !thread_id_.empty() &&
        rpc::string_member(params, "threadId") == thread_id_ && tokens_.on_update(params)) {
      observer_.on_token_usage(*tokens_.usage());
    }
    if (capture_ && tokens_.add_turn(capture_->active_turn_id())) {
      observer_.on_token_usage(*tokens_.usage());
    }
    if (!capture_) {
      if (early_.size() < kMaxEarlyNotifications) early_.emplace_back(method, params);
      return;
    }
    report(capture_->on_notification(method, params));
    wake_.set();
  }

  const char* when() const { return turn_started_ ? "during the turn" : "before the turn started"; }

  // The end for a failed step: the connection's close reason when it closed.
  End failure(const std::string& message) {
    if (app_->connection().closed()) return closed_end();
    if (broker_event_.is_set()) return broker_end();
    return End{"error", message};
  }

  End closed_end() {
    if (broker_event_.is_set()) return broker_end();
    const rpc::CloseInfo& info = app_->connection().close_info();
    if (app_->via_broker()) return End{"broker-lost", info.describe(when()), false, true};
    return End{info.protocol_error ? "error" : "app-server-exited", info.describe(when())};
  }

  End broker_end() {
    std::string message =
        fmt::format("the shared Codex broker shut down {}: {}", when(), broker_reason_);
    if (broker_cause_ == kCauseAppServerExited) {
      return End{"app-server-exited", std::move(message), false, true};
    }
    return End{"broker-lost", std::move(message), false, true};
  }

  asio::awaitable<Result<Json>> open_thread() {
    ThreadOptions options{spec_.cwd, spec_.model, spec_.effort, spec_.write,
                          spec_.ephemeral.value_or(spec_.kind != TurnSpec::Kind::kTask)};
    if (!spec_.resume_thread_id.empty()) {
      auto resumed = co_await app_->resume_thread(spec_.resume_thread_id, options);
      if (!resumed && !app_->connection().closed()) {
        // Said plainly: an unknown thread id is the usual cause (Codex's own words follow).
        co_return make_error("Codex could not resume thread {}: {}", spec_.resume_thread_id,
                             resumed.error().message);
      }
      co_return resumed;
    }
    co_return co_await app_->start_thread(options);
  }

  asio::awaitable<Result<Json>> start() {
    turn_requested_ = true;
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

  void report_resolved() {
    outcome_.resolved = provenance_.to_json();
    observer_.on_resolved(outcome_.resolved);
  }

  // Opens the thread. Meanwhile, unless the job names its effort (the thread's configuration
  // carries it, reviews included), reads Codex's model catalog (model/list, bounded, optional: an
  // answer of another shape or none leaves catalog_ null): a thread whose effort Codex leaves
  // null runs at its model's default effort.
  asio::awaitable<Result<Json>> open_thread_and_read_catalog() {
    if (spec_.effort) co_return co_await open_thread();
    auto opened = co_await (open_thread() && read_catalog());
    co_return opened;
  }

  asio::awaitable<void> read_catalog() {
    auto list = co_await app_->call("model/list", model_list_params(), Millis(kModelListTimeoutMs));
    if (list) catalog_ = std::move(*list);
  }

  void turn_begun(const Json& response) {
    if (spec_.kind != TurnSpec::Kind::kReview) {  // review/start carries no model or effort
      provenance_.on_turn_overrides(spec_.model, spec_.effort);
    }
    (void)provenance_.on_model_list(catalog_);
    report_resolved();
    turn_id_ = turn_id_of(response);
    // AppServer::start_review checked it is a plain id.
    if (auto review_thread = sys::json_string(response, "reviewThreadId");
        review_thread && *review_thread != thread_id_) {
      capture_->track_thread(*review_thread);
    }
    report(capture_->set_turn_id(turn_id_));
    if (tokens_.add_turn(turn_id_)) observer_.on_token_usage(*tokens_.usage());
    turn_started_ = true;
    observer_.on_ids(thread_id_, turn_id_);
    std::string status = turn_status_of(response);
    if (!status.empty() && status != "inProgress" && !capture_->finished()) {
      // Already over when it was answered: treat the answer as its turn/completed.
      Json done = {{"threadId", thread_id_}, {"turn", response["turn"]}};
      report(capture_->on_notification("turn/completed", done));
    }
  }

  asio::awaitable<Result<Json>> initialize() {
    if (!app_->via_broker()) co_return co_await app_->initialize();
    // The broker answers initialize itself: a slow answer means a broker that is not healthy.
    auto init =
        co_await app_->call("initialize", initialize_params(), Millis(limits_.broker_connect_ms));
    if (init) app_->connection().notify("initialized", Json::object());
    co_return init;
  }

  asio::awaitable<End> drive() {
    auto init = co_await initialize();
    if (!init) {
      End end = failure(init.error().message);
      end.broker_failure = end.broker_failure || app_->via_broker();
      co_return end;
    }
    provenance_.on_initialize(*init);  // reported with the thread's settings
    auto thread = co_await open_thread_and_read_catalog();
    if (!thread) co_return failure(thread.error().message);
    provenance_.on_thread(*thread);
    report_resolved();
    thread_id_ = thread_id_of(*thread);
    begin_capture();
    observer_.on_ids(thread_id_, "");
    observer_.on_progress({fmt::format("Thread ready ({}).", thread_id_), "starting"});
    if (!spec_.thread_name.empty()) {
      Status named = co_await app_->set_thread_name(thread_id_, spec_.thread_name);
      if (!named.ok()) {
        if (app_->connection().closed() || broker_event_.is_set()) co_return closed_end();
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
    // An id we could not use: the turn goes on in Codex unless it is interrupted.
    if (result.protocol_error) return End{"error", result.error_message, true};
    std::string message =
        result.error_message.empty() ? "Codex reported the turn as failed." : result.error_message;
    return End{"turn-failed", message};
  }

  asio::awaitable<End> watch_closed() {
    co_await app_->connection().wait_closed();
    co_return closed_end();
  }

  asio::awaitable<End> watch_broker() {
    co_await broker_event_.wait();
    co_return broker_end();
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
    asio::steady_timer timer(ex_, deadline_at_);
    auto [ec] = co_await timer.async_wait(rpc::kNoThrow);
    if (ec) co_return End{};
    co_return End{"deadline", "Job deadline of " + seconds(limits_.deadline_ms) + " reached", true};
  }

  asio::awaitable<End> watch_stop() {
    if (stop_ == nullptr) {
      rpc::Event never(ex_);
      co_await never.wait();
      co_return End{};
    }
    co_await stop_->wait();
    co_return End{"cancelled", "Cancelled by user.", true};
  }

  // The workspace deleted or moved away under the job (Claude Code removes a subagent's worktree
  // when the agent returns): nothing the turn does there can be kept, so it ends at once.
  asio::awaitable<End> watch_workspace() {
    for (;;) {
      if (workspace_vanished()) co_return workspace_gone();
      asio::steady_timer timer(ex_, Millis(limits_.workspace_check_ms));
      auto [ec] = co_await timer.async_wait(rpc::kNoThrow);
      if (ec) co_return End{};
    }
  }

  bool workspace_vanished() const {
    auto now = sys::directory_identity(spec_.cwd);
    return !workspace_ || !now || !(*now == *workspace_);
  }

  End workspace_gone() const {
    return End{"workspace-gone",
               fmt::format("The workspace {} was deleted or moved while the job ran.", spec_.cwd),
               true};
  }

  // A turn that failed in a workspace deleted or moved under it failed because of that, whichever
  // watcher saw it first (an app-server cannot start, or stay, in a directory that is gone).
  End blame_a_vanished_workspace(End end) const {
    if (end.reason == "completed" || end.reason == "cancelled" || !workspace_vanished()) {
      return end;
    }
    End gone = workspace_gone();
    gone.interrupt = end.interrupt;
    return gone;
  }

  asio::awaitable<void> finish(End end) {
    report_resolved();  // what is known, also when the thread never opened
    end = blame_a_vanished_workspace(std::move(end));
    if (app_ && end.interrupt && !turn_id_.empty() && !app_->connection().closed()) {
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
    if (app_) co_await app_->shutdown("the turn ended");
    outcome_.end_reason = end.reason;
    outcome_.error_message = end.message;
    if (capture_) outcome_.result = capture_->result();
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
  std::optional<TurnCapture> capture_;
  TokenUsageTally tokens_;
  Provenance provenance_;
  Json catalog_;  // model/list's answer; null when not read
  std::vector<std::pair<std::string, Json>> early_;
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
