// The MCP protocol of `codex-companion mcp` (README "MCP server"), sans-IO: fed the client's
// lines one at a time, it answers what it can at once (initialize, ping, tools/list,
// logging/setLevel, every refusal) and hands the rest — tool calls and the tasks/* requests,
// which run CLI commands and take time — to the caller as Work. It never reads a stream, a
// clock or a process, so every message sequence is a unit test and a fuzz input.
//
// Lifecycle (MCP 2025-11-25 "Lifecycle"): `initialize` first (any other request before it, but
// `ping`, gets error -32600), protocol version negotiated: the client's when it is one of
// kProtocolVersions, else our latest. `notifications/initialized` then starts a `roots/list`
// request when the client declared the roots capability; the first file:// root of its answer
// becomes the workspace (root()). Every answer is a JSON-RPC 2.0 message with "jsonrpc":"2.0".
// Errors: a line that is not JSON -> -32700 (id null); not a JSON-RPC object, a batch, a
// request id that is neither string nor integer, an id already in flight -> -32600; an unknown
// method -> -32601; wrong parameter types, an unknown tool, bad tool arguments -> -32602; more
// than kMaxInFlight requests at work -> -32603. A notification is never answered.
// Not thread-safe: the caller serialises calls.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/tools.h"

namespace companion::mcp {

// Newest first: the first is what we answer a client whose version we do not know.
inline constexpr std::string_view kProtocolVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};
// The first version with MCP Tasks (task-augmented tools/call, tasks/*).
inline constexpr std::string_view kTasksVersion = "2025-11-25";
inline constexpr size_t kMaxInFlight = 32;

// A request the caller carries out (mcp/server.h), then answers with the response for `id`.
struct Work {
  enum class Kind { kToolCall, kTaskGet, kTaskResult, kTaskCancel, kTaskList };
  Kind kind = Kind::kToolCall;
  nlohmann::json id;              // the client's request id (string or integer)
  CliCall call;                   // kToolCall: the CLI command the tool stands for
  nlohmann::json progress_token;  // params._meta.progressToken, else null
  bool as_task = false;           // kToolCall: task-augmented (params.task): answer a task
  std::string task_id;            // kTask*: the task (= job) id
};

// What one input leads to.
struct Step {
  std::vector<nlohmann::json> send;  // messages for the client, in order
  std::vector<Work> work;
  // Requests the client gave up (notifications/cancelled): stop working on them, answer nothing.
  std::vector<nlohmann::json> cancelled;
};

// Log levels of logging/setLevel (RFC 5424 names), least severe first.
enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };
std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view log_level_name(LogLevel level);

class Session {
 public:
  // `version`: serverInfo.version.
  explicit Session(std::string version) : version_(std::move(version)) {}

  // One line from the client (without its newline).
  Step on_line(std::string_view line);
  // A line longer than the server's bound was dropped: answered with -32600 (id null).
  Step on_oversized_line(size_t max_bytes);
  // The work for request `id` ended (answered or given up): its id may be used again.
  void finished(const nlohmann::json& id);

  bool initialized() const { return initialized_; }
  const std::string& protocol_version() const { return protocol_version_; }
  // The workspace the client's roots name (a local path), when it declared any.
  const std::optional<std::string>& root() const { return root_; }
  bool should_log(LogLevel level) const { return level >= log_level_; }

  // A notifications/message for `text` at `level` (the caller checks should_log).
  static nlohmann::json log_message(LogLevel level, const std::string& text);
  // A notifications/progress for `token`.
  static nlohmann::json progress(const nlohmann::json& token, double progress,
                                 const std::string& message);

 private:
  Step on_message(const nlohmann::json& message);
  Step on_request(const nlohmann::json& message);
  void on_notification(const nlohmann::json& message, Step& step);
  void on_response(const nlohmann::json& message);
  nlohmann::json initialize(const nlohmann::json& params);
  void tools_call(const nlohmann::json& id, const nlohmann::json& params, Step& step);
  void task_request(const std::string& method, const nlohmann::json& id,
                    const nlohmann::json& params, Step& step);
  nlohmann::json roots_request();

  std::string version_;
  bool initialized_ = false;
  bool client_roots_ = false;
  std::string protocol_version_;
  std::optional<std::string> root_;
  LogLevel log_level_ = LogLevel::kInfo;
  std::set<std::string> in_flight_;  // ids (dumped) of requests at work
  std::string roots_request_id_;     // our pending roots/list, else ""
  int roots_requests_ = 0;
};

// The local path of a file:// URI ("file:///a%20b" -> "/a b"); nullopt for anything else (other
// schemes, a host other than localhost, %00, a relative path).
std::optional<std::string> file_uri_path(std::string_view uri);

// Adds "jsonrpc":"2.0" and encodes the line (compact JSON, "\n", C1 controls escaped).
std::string encode(nlohmann::json message);

}  // namespace companion::mcp
