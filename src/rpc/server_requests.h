// How requests from the app-server to us are answered: approvals are declined and questions get
// empty answers, at once, so a turn never waits on a human who is not there (sans-IO).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace companion::rpc {

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInternalError = -32603;

struct ServerAnswer {
  bool is_error = false;
  nlohmann::json result;  // the response's "result" when !is_error
  int code = 0;           // the response's error when is_error
  std::string message;
  std::string summary;  // what was answered, for the log: "Declined command approval: ls"
};

// The answer to the server request `method` with `params`:
//   item/commandExecution/requestApproval, item/fileChange/requestApproval -> decision "decline"
//   execCommandApproval, applyPatchApproval (older protocol)            -> decision "denied"
//   item/permissions/requestApproval -> no permissions granted (turn scope)
//   item/tool/requestUserInput       -> no answers
//   mcpServer/elicitation/request    -> action "decline"
//   item/tool/call                   -> an unsuccessful call with no output
//   anything else (token refresh, attestation, unknown) -> error -32601
ServerAnswer answer_server_request(const std::string& method, const nlohmann::json& params);

}  // namespace companion::rpc
