// Codex's answer policy for requests from the app-server to its client: approvals are declined
// and questions get empty answers, at once, so a turn never waits on a human who is not there
// (sans-IO). Used by AppServer (codex/app_server.h) and by the broker when the client owning a
// thread is gone or too slow. Method names and result shapes: `ServerRequest.json` and the
// `*Response.json` schemas of `codex app-server generate-json-schema` (codex-cli 0.169.0).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace companion::codex {

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

// The JSON-RPC response carrying `answer` for the request `id`: {id, result} or {id, error}.
nlohmann::json response_for(const nlohmann::json& id, const ServerAnswer& answer);

}  // namespace companion::codex
