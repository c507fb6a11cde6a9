// JSON-RPC messages as `codex app-server` speaks them: one JSON object per line, no "jsonrpc"
// field (SPEC.md section 5). Sans-IO helpers shared by Connection (rpc/connection.h) and the
// broker's router.
//
// Ids: a request id is a string or an integer (RequestId in codex-rs app-server-protocol, schema
// `RequestId.json` of `codex app-server generate-json-schema`, codex-cli 0.169.0). null is not an
// id (JSON-RPC uses it only in error responses to unreadable requests).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace companion::rpc {

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

// What a Connection or Channel notes about its peer's input, for a log (never an error): callers
// tell the kinds apart by this code, not by the text.
enum class DiagnosticKind {
  kSkipped,        // a line or message that was dropped (not JSON, not JSON-RPC, unknown id)
  kRefused,        // a server request answered with a refusal
  kHandlerFailed,  // one of our handlers threw; the connection went on
};
using DiagnosticLog = std::function<void(DiagnosticKind, std::string_view)>;

enum class MessageKind {
  kRequest,       // method (string) and id
  kNotification,  // method (string), no id
  kResponse,      // id, and result or error, no method
  kInvalid,       // anything else (including a non-object)
};

// True for a string or an integer.
bool is_request_id(const nlohmann::json& id);

MessageKind classify(const nlohmann::json& message);

// {"id", "result"}.
nlohmann::json make_response(const nlohmann::json& id, nlohmann::json result);
// {"id", "error": {"code", "message"}}.
nlohmann::json make_error_response(const nlohmann::json& id, int code, std::string message);
// {"method", "params"}.
nlohmann::json make_notification(std::string method, nlohmann::json params);

// The line sent for a message: compact JSON and "\n"; invalid UTF-8 in strings is replaced.
std::string encode_message(const nlohmann::json& message);
// The same without the newline.
std::string message_text(const nlohmann::json& message);

// message["params"] when it is present, else an empty object.
const nlohmann::json& params_of(const nlohmann::json& message);

// The string member `key` of `object`, else "" (wrong types and missing members alike).
std::string string_member(const nlohmann::json& object, const char* key);

}  // namespace companion::rpc
