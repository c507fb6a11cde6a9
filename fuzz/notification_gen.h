// Builds app-server notifications from fuzz input bytes, for the targets that feed TurnCapture
// (and the JSON-RPC dispatch): methods of the real set (SPEC.md section 5 and the recorded
// traces, src/codex/testdata/README.md), params with the real fields, each of them sometimes
// absent or of another JSON type, ids from a small pool so that threads, turns and items meet.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace companion::fuzz {

// The ids the generated notifications use.
struct IdPool {
  std::string root_thread = "thread-root";
  std::string turn = "turn-root";
};

struct GeneratedNotification {
  std::string method;
  nlohmann::json params;
  std::size_t repeat = 1;   // feed it this many times, varied (NotificationGen::vary)
  bool fire_grace = false;  // then fire the caller's grace timer
};

// Reads its decisions from `bytes` (which must outlive it); an exhausted input reads as zeros.
class NotificationGen {
 public:
  NotificationGen(std::string_view bytes, const IdPool& ids);

  GeneratedNotification notification();
  // `params` for the i-th repetition: item ids, thread ids, paths and texts made distinct, so
  // repetitions fill the lists up to their caps.
  static nlohmann::json vary(const nlohmann::json& params, std::size_t i);
  // Any JSON value (null, bool, numbers, strings, arrays, objects) nested up to `depth`.
  nlohmann::json any_value(int depth);

 private:
  std::string pick(std::initializer_list<const char*> options);
  std::string thread_id();
  std::string turn_id();
  std::string text();
  // Sets obj[key] = value, or leaves it out, or sets a value of another type.
  void put(nlohmann::json& obj, const char* key, nlohmann::json value);
  nlohmann::json turn();
  nlohmann::json item();
  void item_details(nlohmann::json& item, const std::string& type);
  void collab_details(nlohmann::json& item);
  nlohmann::json params_for(const std::string& method);

  FuzzedDataProvider in_;
  const IdPool& ids_;
  bool huge_ = false;  // a huge text was made: no repetitions (bounded time per input)
};

}  // namespace companion::fuzz
