#include "notification_gen.h"

#include <algorithm>

namespace companion::fuzz {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxRepeat = 1200;       // above TurnCapture::kMaxItems (1000)
constexpr std::size_t kMaxHugeText = 1200000;  // above TurnCapture::kMaxTextBytes (1 MiB)

void vary_string(json& obj, const char* key, std::size_t i) {
  if (obj.is_object()) {
    auto it = obj.find(key);
    if (it != obj.end() && it->is_string()) *it = it->get<std::string>() + "#" + std::to_string(i);
  }
}

void vary_strings(json& obj, const char* key, const char* member, std::size_t i) {
  if (!obj.is_object()) return;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return;
  for (json& element : *it) {
    if (member == nullptr && element.is_string()) {
      element = element.get<std::string>() + "#" + std::to_string(i);
    } else if (member != nullptr) {
      vary_string(element, member, i);
    }
  }
}

}  // namespace

NotificationGen::NotificationGen(std::string_view bytes, const IdPool& ids)
    : in_(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), ids_(ids) {}

std::string NotificationGen::pick(std::initializer_list<const char*> options) {
  std::size_t n = in_.ConsumeIntegralInRange<std::size_t>(0, options.size());
  if (n == options.size()) return in_.ConsumeRandomLengthString(16);
  return *(options.begin() + static_cast<long>(n));
}

std::string NotificationGen::thread_id() {
  switch (in_.ConsumeIntegralInRange(0, 5)) {
    case 0:
      return ids_.root_thread;
    case 1:
      return "thread-sub-a";
    case 2:
      return "thread-sub-b";
    case 3:
      return "thread-other";
    case 4:
      return "";
    default:
      return in_.ConsumeRandomLengthString(16);
  }
}

std::string NotificationGen::turn_id() {
  return pick({ids_.turn.c_str(), ids_.turn.c_str(), "turn-inner", "turn-sub", ""});
}

std::string NotificationGen::text() {
  std::string s = in_.ConsumeRandomLengthString(48);
  if (in_.ConsumeIntegralInRange(0, 63) == 0 && !s.empty()) {
    std::size_t size = in_.ConsumeIntegralInRange<std::size_t>(60000, kMaxHugeText);
    std::string huge;
    huge.reserve(size + s.size());
    while (huge.size() < size) huge += s;
    huge_ = true;
    return huge;
  }
  return s;
}

void NotificationGen::put(json& obj, const char* key, json value) {
  switch (in_.ConsumeIntegralInRange(0, 9)) {
    case 0:
      return;  // absent
    case 1:
      obj[key] = any_value(2);  // any type
      return;
    default:
      obj[key] = std::move(value);
  }
}

json NotificationGen::any_value(int depth) {
  switch (in_.ConsumeIntegralInRange(0, depth > 0 ? 8 : 6)) {
    case 0:
      return nullptr;
    case 1:
      return in_.ConsumeBool();
    case 2:
      return in_.ConsumeIntegral<int64_t>();
    case 3:
      return in_.ConsumeIntegral<uint64_t>();
    case 4:
      return in_.ConsumeFloatingPoint<double>();
    case 5:
      return in_.ConsumeRandomLengthString(24);
    case 6:
      return thread_id();
    case 7: {
      json array = json::array();
      for (int n = in_.ConsumeIntegralInRange(0, 3); n > 0; --n)
        array.push_back(any_value(depth - 1));
      return array;
    }
    default: {
      json object = json::object();
      for (int n = in_.ConsumeIntegralInRange(0, 3); n > 0; --n) {
        object[pick({"id", "type", "status", "message", "threadId", "turnId", "text"})] =
            any_value(depth - 1);
      }
      return object;
    }
  }
}

json NotificationGen::turn() {
  json t = json::object();
  put(t, "id", turn_id());
  put(t, "rootTurnId", turn_id());
  put(t, "status", pick({"completed", "failed", "interrupted", "inProgress"}));
  json error = json::object();
  put(error, "message", text());
  put(t, "error", in_.ConsumeBool() ? json(nullptr) : error);
  return t;
}

void NotificationGen::collab_details(json& item) {
  put(item, "tool",
      pick({"spawnAgent", "sendInput", "resumeAgent", "followupTask", "sendMessage", "wait",
            "closeAgent"}));
  json receivers = json::array();
  for (int n = in_.ConsumeIntegralInRange(0, 3); n > 0; --n) receivers.push_back(thread_id());
  put(item, "receiverThreadIds", receivers);
  json states = json::object();
  for (int n = in_.ConsumeIntegralInRange(0, 3); n > 0; --n) {
    json state = json::object();
    put(state, "status", pick({"pendingInit", "running", "completed", "errored", "shutdown"}));
    states[thread_id()] = state;
  }
  put(item, "agentsStates", states);
  put(item, "prompt", text());
}

void NotificationGen::item_details(json& item, const std::string& type) {
  if (type == "agentMessage") {
    put(item, "text", text());
    put(item, "phase", in_.ConsumeBool() ? json("final_answer") : json(pick({"commentary"})));
  } else if (type == "reasoning") {
    json summary = json::array();
    for (int n = in_.ConsumeIntegralInRange(0, 4); n > 0; --n) summary.push_back(text());
    put(item, "summary", summary);
  } else if (type == "commandExecution") {
    put(item, "command", "/bin/bash -lc '" + text() + "'");
    put(item, "exitCode",
        in_.ConsumeBool() ? json(in_.ConsumeIntegralInRange(-2, 3))
                          : json(in_.ConsumeIntegral<int64_t>()));
  } else if (type == "fileChange") {
    json changes = json::array();
    for (int n = in_.ConsumeIntegralInRange(0, 3); n > 0; --n) {
      json change = json::object();
      put(change, "path", "/repo/" + text());
      changes.push_back(change);
    }
    put(item, "changes", changes);
  } else if (type == "collabAgentToolCall") {
    collab_details(item);
  } else if (type == "enteredReviewMode" || type == "exitedReviewMode") {
    put(item, "review", text());
  } else {
    put(item, "query", text());
    put(item, "server", text());
    put(item, "tool", text());
  }
}

json NotificationGen::item() {
  json item = json::object();
  std::string type = pick({"userMessage", "agentMessage", "reasoning", "commandExecution",
                           "fileChange", "mcpToolCall", "dynamicToolCall", "collabAgentToolCall",
                           "webSearch", "enteredReviewMode", "exitedReviewMode"});
  put(item, "type", type);
  put(item, "id", pick({"item-1", "item-2", "item-3", "item-4"}));
  put(item, "status", pick({"inProgress", "completed", "failed", "declined"}));
  item_details(item, type);
  return item;
}

json NotificationGen::params_for(const std::string& method) {
  json params = json::object();
  put(params, "threadId", thread_id());
  put(params, "turnId", turn_id());
  if (method == "thread/started") {
    json thread = json::object();
    put(thread, "id", thread_id());
    put(thread, "parentThreadId", thread_id());
    put(params, "thread", thread);
  } else if (method == "turn/started" || method == "turn/completed") {
    put(params, "turn", turn());
  } else if (method == "item/started" || method == "item/completed") {
    put(params, "item", item());
  } else if (method == "error") {
    json error = json::object();
    put(error, "message", text());
    put(error, "codexErrorInfo", pick({"internalServerError", "other"}));
    put(params, "error", error);
    put(params, "willRetry", in_.ConsumeBool());
  } else {
    put(params, "message", text());
  }
  return params;
}

GeneratedNotification NotificationGen::notification() {
  GeneratedNotification out;
  out.fire_grace = in_.ConsumeIntegralInRange(0, 7) == 0;
  bool repeated = in_.ConsumeIntegralInRange(0, 15) == 0;
  std::size_t repeat = in_.ConsumeIntegralInRange<std::size_t>(2, kMaxRepeat);
  out.method = pick({"thread/started", "turn/started", "turn/completed", "item/started",
                     "item/completed", "item/completed", "error", "warning",
                     "thread/status/changed", "thread/tokenUsage/updated", "configWarning",
                     "item/agentMessage/delta", "serverRequest/resolved", "turn/diff/updated"});
  out.params = in_.ConsumeIntegralInRange(0, 15) == 0 ? any_value(2) : params_for(out.method);
  out.repeat = repeated && !huge_ ? repeat : 1;
  return out;
}

json NotificationGen::vary(const json& params, std::size_t i) {
  if (i == 0 || !params.is_object()) return params;
  json out = params;
  auto item = out.find("item");
  if (item != out.end() && item->is_object()) {
    vary_string(*item, "id", i);
    vary_strings(*item, "changes", "path", i);
    vary_strings(*item, "summary", nullptr, i);
    vary_strings(*item, "receiverThreadIds", nullptr, i);
    vary_string(*item, "command", i);
  }
  return out;
}

}  // namespace companion::fuzz
