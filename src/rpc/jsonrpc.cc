#include "rpc/jsonrpc.h"

namespace companion::rpc {

using Json = nlohmann::json;

bool is_request_id(const Json& id) {
  return id.is_string() || id.is_number_integer();
}

MessageKind classify(const Json& message) {
  if (!message.is_object()) return MessageKind::kInvalid;
  auto method = message.find("method");
  auto id = message.find("id");
  bool has_id = id != message.end() && !id->is_null();
  if (method != message.end()) {
    if (!method->is_string()) return MessageKind::kInvalid;
    if (!has_id) return MessageKind::kNotification;
    return is_request_id(*id) ? MessageKind::kRequest : MessageKind::kInvalid;
  }
  if (has_id && (message.contains("result") || message.contains("error"))) {
    return MessageKind::kResponse;
  }
  return MessageKind::kInvalid;
}

Json make_response(const Json& id, Json result) {
  Json out = Json::object();
  out["id"] = id;
  out["result"] = std::move(result);
  return out;
}

Json make_error_response(const Json& id, int code, std::string message) {
  Json out = Json::object();
  out["id"] = id;
  out["error"] = {{"code", code}, {"message", std::move(message)}};
  return out;
}

Json make_notification(std::string method, Json params) {
  Json out = Json::object();
  out["method"] = std::move(method);
  out["params"] = std::move(params);
  return out;
}

std::string encode_message(const Json& message) {
  return message_text(message) + "\n";
}

std::string message_text(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json& params_of(const Json& message) {
  static const Json kEmpty = Json::object();
  if (!message.is_object()) return kEmpty;
  auto it = message.find("params");
  return it != message.end() ? *it : kEmpty;
}

std::string string_member(const Json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace companion::rpc
