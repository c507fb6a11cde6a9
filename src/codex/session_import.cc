#include "codex/session_import.h"

#include <fmt/format.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <utility>
#include <variant>

#include "codex/app_server.h"
#include "rpc/event.h"
#include "rpc/run.h"
#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::codex {
namespace {

// NOLINTNEXTLINE(misc-unused-using-decls): used by co_await (a || b), unseen by clang-tidy 14
using asio::experimental::awaitable_operators::operator||;
using Json = nlohmann::json;
using Millis = std::chrono::milliseconds;

constexpr size_t kMaxFailureText = 2000;
constexpr size_t kMaxCompletions = 100;

bool is_sessions_item(const Json& entry) {
  return sys::json_text(entry, "itemType") == "SESSIONS";
}

// The completions received so far and the import they belong to.
struct Completions {
  std::vector<Json> received;  // params of every completed notification (bounded)
  std::string import_id;       // from the answer; "" until then or when it has none
  bool answered = false;

  // The completion of our import, once both the answer and it arrived.
  const Json* ours() const {
    if (!answered) return nullptr;
    for (const Json& c : received) {
      std::string id = sys::json_text(c, "importId");
      if (import_id.empty() || id.empty() || id == import_id) return &c;
    }
    return nullptr;
  }
};

asio::awaitable<ImportReply> import_steps(AppServer& app, SessionImport import, Completions& seen,
                                          rpc::Event& wake, Millis timeout) {
  ImportReply out;
  auto init = co_await app.initialize();
  if (!init) {
    out.error = init.error().message;
    co_return out;
  }
  out.codex_home = sys::json_text(*init, "codexHome");
  rpc::Reply reply =
      co_await app.connection().request(kImportMethod, session_import_params(import), timeout);
  if (!reply.ok()) {
    out.status = is_unknown_method(*reply.error, kImportMethod) ? ImportReply::Status::kUnsupported
                                                                : ImportReply::Status::kFailed;
    out.error = describe_rpc_error(kImportMethod, *reply.error);
    co_return out;
  }
  seen.import_id = sys::json_text(reply.result, "importId");
  seen.answered = true;
  while (seen.ours() == nullptr) {
    wake.reset();
    co_await wake.wait();
  }
  out.status = ImportReply::Status::kCompleted;
  out.completion = *seen.ours();
  co_return out;
}

asio::awaitable<ImportReply> import_timeout(Millis timeout) {
  co_await rpc::sleep_for(timeout);
  ImportReply out;
  out.error = fmt::format("Codex did not finish importing the session within {:g} s",
                          static_cast<double>(timeout.count()) / 1000.0);
  co_return out;
}

asio::awaitable<ImportReply> import_closed(AppServer& app) {
  co_await app.connection().wait_closed();
  ImportReply out;
  out.error = app.connection().close_info().describe("before the import completed");
  co_return out;
}

asio::awaitable<void> run_import(CodexCommand codex, SessionImport import, int64_t timeout_ms,
                                 ImportReply& out) {
  auto ex = co_await asio::this_coro::executor;
  AppServerOptions options;
  options.codex = std::move(codex);
  options.cwd = import.cwd;
  auto started = AppServer::start_direct(ex, options);
  if (!started) {
    out.error = started.error().message;
    co_return;
  }
  auto app = std::move(*started);
  Completions seen;
  rpc::Event wake(ex);
  // Installed before the request: the completion may come right behind the answer.
  app->connection().set_notification_handler([&](const std::string& method, const Json& params) {
    if (method != kImportCompletedMethod || seen.received.size() >= kMaxCompletions) return;
    seen.received.push_back(params);
    wake.set();
  });
  Millis timeout(timeout_ms);
  auto winner = co_await (import_steps(*app, std::move(import), seen, wake, timeout) ||
                          import_timeout(timeout) || import_closed(*app));
  out = std::visit([](ImportReply r) { return r; }, winner);
  co_await app->shutdown("the import ended");
}

}  // namespace

Json session_import_params(const SessionImport& import) {
  Json session = {{"path", import.source}, {"cwd", import.cwd}, {"title", nullptr}};
  Json details = {{"sessions", Json::array({session})}, {"plugins", Json::array()},
                  {"mcpServers", Json::array()},        {"hooks", Json::array()},
                  {"subagents", Json::array()},         {"commands", Json::array()}};
  Json item = {{"itemType", "SESSIONS"},
               {"description", import.description},
               {"cwd", nullptr},
               {"details", details}};
  return {{"migrationItems", Json::array({item})}};
}

ImportReply import_session(const CodexCommand& codex, const SessionImport& import,
                           int64_t timeout_ms) {
  ImportReply out;
  asio::io_context io;
  if (auto what = rpc::run_to_end(io, run_import(codex, import, timeout_ms, out))) {
    out = ImportReply{};
    out.error = fmt::format("internal error while importing the session: {}", *what);
  }
  return out;
}

std::string imported_thread_of(const Json& completion, const std::string& source) {
  const Json* results = sys::json_field(completion, "itemTypeResults");
  if (results == nullptr || !results->is_array()) return "";
  for (const Json& result : *results) {
    if (!is_sessions_item(result)) continue;
    const Json* successes = sys::json_field(result, "successes");
    if (successes == nullptr || !successes->is_array()) continue;
    for (const Json& success : *successes) {
      auto target = sys::json_string(success, "target");
      if (target && !target->empty() && sys::json_text(success, "source") == source) {
        return *target;
      }
    }
  }
  return "";
}

std::string import_failures_of(const Json& completion) {
  std::string text;
  const Json* results = sys::json_field(completion, "itemTypeResults");
  if (results == nullptr || !results->is_array()) return text;
  for (const Json& result : *results) {
    const Json* failures = sys::json_field(result, "failures");
    if (failures == nullptr || !failures->is_array()) continue;
    for (const Json& failure : *failures) {
      std::string message = sys::json_text(failure, "message");
      if (message.empty()) message = sys::json_text(failure, "failureStage");
      if (message.empty()) continue;
      text += (text.empty() ? "" : "; ") + message;
    }
  }
  return sys::excerpt(text, kMaxFailureText);
}

std::string ledger_thread_of(const Json& ledger, const std::string& source,
                             const std::vector<std::string>& hashes) {
  const Json* records = sys::json_field(ledger, "records");
  if (records == nullptr || !records->is_array()) return "";
  std::string found;
  for (const Json& record : *records) {
    if (sys::json_text(record, "source_path") != source) continue;
    std::string sha = sys::json_text(record, "content_sha256");
    bool matches = false;
    for (const auto& hash : hashes) matches = matches || (!sha.empty() && sha == hash);
    auto thread = sys::json_string(record, "imported_thread_id");
    if (matches && thread && !thread->empty()) found = *thread;
  }
  return found;
}

}  // namespace companion::codex
