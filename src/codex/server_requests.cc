#include "codex/server_requests.h"

#include "rpc/jsonrpc.h"

namespace companion::codex {
namespace {

std::string text_field(const nlohmann::json& params, const char* key) {
  if (!params.is_object()) return {};
  auto it = params.find(key);
  if (it == params.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {  // execCommandApproval sends the command as argv
    std::string joined;
    for (const auto& part : *it) {
      if (!part.is_string()) continue;
      if (!joined.empty()) joined += ' ';
      joined += part.get<std::string>();
    }
    return joined;
  }
  return {};
}

std::string with_detail(std::string summary, const std::string& detail) {
  if (detail.empty()) return summary;
  constexpr std::size_t kMax = 120;
  return summary + ": " + (detail.size() > kMax ? detail.substr(0, kMax - 3) + "..." : detail);
}

ServerAnswer result(nlohmann::json value, std::string summary) {
  ServerAnswer answer;
  answer.result = std::move(value);
  answer.summary = std::move(summary);
  return answer;
}

}  // namespace

ServerAnswer answer_server_request(const std::string& method, const nlohmann::json& params) {
  if (method == "item/commandExecution/requestApproval") {
    return result({{"decision", "decline"}},
                  with_detail("Declined command approval", text_field(params, "command")));
  }
  if (method == "item/fileChange/requestApproval") {
    return result({{"decision", "decline"}}, "Declined file change approval");
  }
  if (method == "execCommandApproval") {
    return result({{"decision", "denied"}},
                  with_detail("Declined command approval", text_field(params, "command")));
  }
  if (method == "applyPatchApproval") {
    return result({{"decision", "denied"}}, "Declined patch approval");
  }
  if (method == "item/permissions/requestApproval") {
    return result({{"permissions", nlohmann::json::object()}, {"scope", "turn"}},
                  "Declined permissions request");
  }
  if (method == "item/tool/requestUserInput") {
    return result({{"answers", nlohmann::json::object()}},
                  "Answered user input request with no input");
  }
  if (method == "mcpServer/elicitation/request") {
    return result({{"action", "decline"}, {"content", nullptr}}, "Declined MCP elicitation");
  }
  if (method == "item/tool/call") {
    return result({{"contentItems", nlohmann::json::array()}, {"success", false}},
                  with_detail("Refused dynamic tool call", text_field(params, "tool")));
  }
  ServerAnswer answer;
  answer.is_error = true;
  answer.code = rpc::kMethodNotFound;
  answer.message = "codex-companion does not handle " + method;
  answer.summary = "Refused unsupported server request " + method;
  return answer;
}

nlohmann::json response_for(const nlohmann::json& id, const ServerAnswer& answer) {
  if (answer.is_error) return rpc::make_error_response(id, answer.code, answer.message);
  return rpc::make_response(id, answer.result);
}

}  // namespace companion::codex
