#include "sys/json_read.h"

namespace companion::sys {

nlohmann::json parse_json(std::string_view text, int max_depth, bool* too_deep) {
  bool deep = false;
  // An object or array starts at the depth of the containers around it; discarding the first
  // one too deep (and all that follows) keeps the parser from building the rest of it.
  auto bound = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& /*value*/) {
    bool starts = event == nlohmann::json::parse_event_t::object_start ||
                  event == nlohmann::json::parse_event_t::array_start;
    if (starts && depth >= max_depth) deep = true;
    return !deep;
  };
  nlohmann::json parsed = nlohmann::json::parse(text, bound, /*allow_exceptions=*/false);
  if (too_deep != nullptr) *too_deep = deep;
  if (deep) return nlohmann::json(nlohmann::json::value_t::discarded);
  return parsed;
}

const nlohmann::json* json_field(const nlohmann::json& value, std::string_view key) {
  if (!value.is_object()) return nullptr;
  auto it = value.find(key);
  return it == value.end() ? nullptr : &*it;
}

std::optional<std::string> json_string(const nlohmann::json& value, std::string_view key) {
  const nlohmann::json* v = json_field(value, key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->get_ref<const std::string&>();
}

std::optional<bool> json_bool(const nlohmann::json& value, std::string_view key) {
  const nlohmann::json* v = json_field(value, key);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

std::optional<int64_t> json_int(const nlohmann::json& value, std::string_view key) {
  const nlohmann::json* v = json_field(value, key);
  if (v == nullptr || !v->is_number_integer()) return std::nullopt;
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return v->get<int64_t>();
}

std::string json_text(const nlohmann::json& value, std::string_view key) {
  return json_string(value, key).value_or("");
}

const nlohmann::json& json_object(const nlohmann::json& value, std::string_view key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json* v = json_field(value, key);
  return v != nullptr && v->is_object() ? *v : kEmpty;
}

std::vector<std::string> json_strings(const nlohmann::json& value, std::string_view key) {
  std::vector<std::string> out;
  const nlohmann::json* v = json_field(value, key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& element : *v) {
    if (element.is_string()) out.push_back(element.get<std::string>());
  }
  return out;
}

nlohmann::json json_value(const nlohmann::json& value, std::string_view key) {
  const nlohmann::json* v = json_field(value, key);
  return v != nullptr ? *v : nlohmann::json();
}

}  // namespace companion::sys
