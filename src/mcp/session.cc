#include "mcp/session.h"

#include <fmt/format.h>

#include <array>

#include "rpc/jsonrpc.h"
#include "rpc/line_codec.h"
#include "sys/json_read.h"
#include "sys/terminal_text.h"

namespace companion::mcp {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 8> kLevelNames = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};

json response(const json& id, json result) {
  return rpc::make_response(id, std::move(result));
}

json error_response(const json& id, int code, std::string message) {
  return rpc::make_error_response(id, code, std::move(message));
}

constexpr const char* kInstructions =
    "Codex Companion hands tasks and code reviews to OpenAI's Codex CLI as durable jobs of "
    "this workspace. codex_task and the review tools answer with the result when it is ready "
    "within about 50 s, else with a job id: fetch it later with codex_result, follow it with "
    "codex_status or codex_logs, stop it with codex_cancel. Jobs outlive this server and the "
    "client; with MCP tasks the task id is the job id.";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  return kLevelNames[static_cast<size_t>(level)];
}

std::optional<std::string> file_uri_path(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (uri.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  uri.remove_prefix(kScheme.size());
  if (uri.substr(0, 9) == "localhost") uri.remove_prefix(9);
  if (uri.empty() || uri[0] != '/') return std::nullopt;
  std::string path;
  for (size_t i = 0; i < uri.size(); ++i) {
    char c = uri[i];
    if (c == '?' || c == '#') break;
    if (c != '%') {
      path.push_back(c);
      continue;
    }
    if (i + 2 >= uri.size()) return std::nullopt;
    int hi = hex_value(uri[i + 1]);
    int lo = hex_value(uri[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return std::nullopt;
    path.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return path;
}

std::string encode(json message) {
  if (message.is_object()) message["jsonrpc"] = "2.0";
  return sys::escape_json_controls(rpc::message_text(message)) + "\n";
}

json Session::log_message(LogLevel level, const std::string& text) {
  return rpc::make_notification(
      "notifications/message",
      {{"level", log_level_name(level)}, {"logger", "codex-companion"}, {"data", text}});
}

json Session::progress(const json& token, double progress, const std::string& message) {
  json params = {{"progressToken", token}, {"progress", progress}};
  if (!message.empty()) params["message"] = message;
  return rpc::make_notification("notifications/progress", std::move(params));
}

Step Session::on_line(std::string_view line) {
  bool too_deep = false;
  json message = sys::parse_json(line, sys::kMaxJsonDepth, &too_deep);
  if (message.is_discarded()) {
    Step step;
    step.send.push_back(error_response(
        nullptr, rpc::kParseError,
        too_deep ? fmt::format("Parse error: JSON nested deeper than {} levels", sys::kMaxJsonDepth)
                 : std::string("Parse error: the line is not JSON")));
    return step;
  }
  return on_message(message);
}

Step Session::on_oversized_line(size_t max_bytes) {
  Step step;
  step.send.push_back(
      error_response(nullptr, rpc::kInvalidRequest,
                     fmt::format("Invalid request: the line is longer than {} and was dropped",
                                 rpc::describe_size(max_bytes))));
  return step;
}

void Session::finished(const json& id) {
  in_flight_.erase(id.dump());
}

Step Session::on_message(const json& message) {
  Step step;
  if (message.is_array()) {
    step.send.push_back(error_response(nullptr, rpc::kInvalidRequest,
                                       "Invalid request: batches are not supported"));
    return step;
  }
  switch (rpc::classify(message)) {
    case rpc::MessageKind::kRequest:
      return on_request(message);
    case rpc::MessageKind::kNotification:
      on_notification(message, step);
      return step;
    case rpc::MessageKind::kResponse:
      on_response(message);
      return step;
    case rpc::MessageKind::kInvalid:
      break;
  }
  json id = sys::json_value(message, "id");
  step.send.push_back(error_response(
      rpc::is_request_id(id) ? id : json(nullptr), rpc::kInvalidRequest,
      "Invalid request: expected a JSON-RPC request or notification (a string method; an id "
      "that is a string or an integer)"));
  return step;
}

Step Session::on_request(const json& message) {
  Step step;
  const json& id = *sys::json_field(message, "id");
  std::string method = rpc::string_member(message, "method");
  const json* params_field = sys::json_field(message, "params");
  if (params_field && !params_field->is_object()) {
    step.send.push_back(
        error_response(id, rpc::kInvalidParams, "Invalid params: params must be an object"));
    return step;
  }
  const json& params = rpc::params_of(message);
  if (method == "ping") {
    step.send.push_back(response(id, json::object()));
  } else if (method == "initialize") {
    if (initialized_) {
      step.send.push_back(
          error_response(id, rpc::kInvalidRequest, "Invalid request: already initialized"));
    } else {
      step.send.push_back(response(id, initialize(params)));
    }
  } else if (!initialized_) {
    step.send.push_back(
        error_response(id, rpc::kInvalidRequest,
                       "Invalid request: the server is not initialized; send initialize first"));
  } else if (method == "tools/list") {
    step.send.push_back(response(id, {{"tools", tool_catalogue()}}));
  } else if (method == "logging/setLevel") {
    auto level = parse_log_level(sys::json_text(params, "level"));
    if (!level) {
      step.send.push_back(error_response(
          id, rpc::kInvalidParams,
          "Invalid params: level must be one of debug, info, notice, warning, error, critical, "
          "alert, emergency"));
    } else {
      log_level_ = *level;
      step.send.push_back(response(id, json::object()));
    }
  } else if (method == "tools/call") {
    tools_call(id, params, step);
  } else if (method.rfind("tasks/", 0) == 0) {
    task_request(method, id, params, step);
  } else {
    step.send.push_back(
        error_response(id, rpc::kMethodNotFound, "Method not found: " + method.substr(0, 200)));
  }
  return step;
}

json Session::initialize(const json& params) {
  std::string asked = sys::json_text(params, "protocolVersion");
  protocol_version_ = std::string(kProtocolVersions[0]);
  for (auto version : kProtocolVersions) {
    if (asked == version) protocol_version_ = asked;
  }
  const json& caps = sys::json_object(params, "capabilities");
  client_roots_ = sys::json_field(caps, "roots") != nullptr;
  initialized_ = true;
  json capabilities = {{"tools", {{"listChanged", false}}}, {"logging", json::object()}};
  if (protocol_version_ == kTasksVersion) {
    capabilities["tasks"] = {{"list", json::object()},
                             {"cancel", json::object()},
                             {"requests", {{"tools", {{"call", json::object()}}}}}};
  }
  return {{"protocolVersion", protocol_version_},
          {"capabilities", std::move(capabilities)},
          {"serverInfo",
           {{"name", "codex-companion"}, {"title", "Codex Companion"}, {"version", version_}}},
          {"instructions", kInstructions}};
}

void Session::tools_call(const json& id, const json& params, Step& step) {
  auto name = sys::json_string(params, "name");
  if (!name) {
    step.send.push_back(
        error_response(id, rpc::kInvalidParams, "Invalid params: name must be a string"));
    return;
  }
  const json* arguments = sys::json_field(params, "arguments");
  json empty = json::object();
  auto call = cli_call(*name, arguments && !arguments->is_null() ? *arguments : empty);
  if (!call) {
    step.send.push_back(
        error_response(id, rpc::kInvalidParams, "Invalid params: " + call.error().message));
    return;
  }
  const json* task = sys::json_field(params, "task");
  bool as_task = task != nullptr && !task->is_null();
  if (as_task && (!task->is_object() || protocol_version_ != kTasksVersion)) {
    step.send.push_back(error_response(id, rpc::kInvalidParams,
                                       "Invalid params: task must be an object (MCP 2025-11-25)"));
    return;
  }
  if (as_task && !call->task_support) {
    step.send.push_back(error_response(
        id, rpc::kMethodNotFound,
        fmt::format("{} does not run as a task (execution.taskSupport is forbidden)", *name)));
    return;
  }
  if (in_flight_.size() >= kMaxInFlight) {
    step.send.push_back(error_response(
        id, rpc::kInternalError,
        fmt::format("too many requests at work ({}); wait for one to end", kMaxInFlight)));
    return;
  }
  if (!in_flight_.insert(id.dump()).second) {
    step.send.push_back(error_response(id, rpc::kInvalidRequest,
                                       "Invalid request: a request with this id is still at work"));
    return;
  }
  Work work;
  work.kind = Work::Kind::kToolCall;
  work.id = id;
  work.call = std::move(*call);
  work.as_task = as_task;
  work.progress_token = sys::json_value(sys::json_object(params, "_meta"), "progressToken");
  if (!work.progress_token.is_string() && !work.progress_token.is_number_integer()) {
    work.progress_token = nullptr;
  }
  step.work.push_back(std::move(work));
}

void Session::task_request(const std::string& method, const json& id, const json& params,
                           Step& step) {
  Work work;
  work.id = id;
  if (method == "tasks/get") {
    work.kind = Work::Kind::kTaskGet;
  } else if (method == "tasks/result") {
    work.kind = Work::Kind::kTaskResult;
  } else if (method == "tasks/cancel") {
    work.kind = Work::Kind::kTaskCancel;
  } else if (method == "tasks/list") {
    work.kind = Work::Kind::kTaskList;
  } else {
    step.send.push_back(
        error_response(id, rpc::kMethodNotFound, "Method not found: " + method.substr(0, 200)));
    return;
  }
  if (protocol_version_ != kTasksVersion) {
    step.send.push_back(
        error_response(id, rpc::kMethodNotFound,
                       fmt::format("Method not found: {} (tasks need protocol version {})", method,
                                   kTasksVersion)));
    return;
  }
  if (work.kind != Work::Kind::kTaskList) {
    auto task_id = sys::json_string(params, "taskId");
    if (!task_id) {
      step.send.push_back(
          error_response(id, rpc::kInvalidParams, "Invalid params: taskId must be a string"));
      return;
    }
    work.task_id = *task_id;
  }
  if (in_flight_.size() >= kMaxInFlight || !in_flight_.insert(id.dump()).second) {
    step.send.push_back(error_response(
        id, rpc::kInvalidRequest,
        "Invalid request: too many requests at work, or one with this id is still at work"));
    return;
  }
  step.work.push_back(std::move(work));
}

void Session::on_notification(const json& message, Step& step) {
  std::string method = rpc::string_member(message, "method");
  const json& params = rpc::params_of(message);
  if (method == "notifications/initialized" || method == "notifications/roots/list_changed") {
    if (initialized_ && client_roots_) step.send.push_back(roots_request());
  } else if (method == "notifications/cancelled") {
    json id = sys::json_value(params, "requestId");
    if (rpc::is_request_id(id) && in_flight_.count(id.dump())) step.cancelled.push_back(id);
  }
  // Anything else (progress from the client, unknown notifications) needs no answer.
}

json Session::roots_request() {
  roots_request_id_ = fmt::format("codex-companion-roots-{}", ++roots_requests_);
  return {{"id", roots_request_id_}, {"method", "roots/list"}, {"params", json::object()}};
}

void Session::on_response(const json& message) {
  std::string id = sys::json_text(message, "id");
  if (id.empty() || id != roots_request_id_) return;
  roots_request_id_.clear();
  const json* roots = sys::json_field(sys::json_object(message, "result"), "roots");
  if (!roots || !roots->is_array()) return;  // an error answer: keep the server's directory
  for (const auto& root : *roots) {
    if (auto path = file_uri_path(sys::json_text(root, "uri"))) {
      root_ = *path;
      return;
    }
  }
}

}  // namespace companion::mcp
