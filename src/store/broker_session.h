// The workspace's shared broker, as recorded by whoever started it (broker/lifecycle.h): kept in
// the store's config table under the key "brokerSession" as a JSON object, so every companion of
// the workspace finds the same broker.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace companion::store {

inline constexpr const char* kBrokerSessionKey = "brokerSession";

struct BrokerSession {
  std::string endpoint;         // "unix:<socket path>"
  std::string socket_dir;       // the broker's private directory (holds socket and pid file)
  std::string pid_file;         // empty when none
  std::string log_file;         // the broker's stderr
  int64_t pid = 0;              // the broker process
  uint64_t pid_start_time = 0;  // with the pid, its identity (a recycled pid never matches)
  int64_t app_server_pid = 0;   // its app-server, which leads a session of its own
  uint64_t app_server_start_time = 0;
  int64_t started_at = 0;  // ms since the Unix epoch
};

// {endpoint, socketDir, pidFile, logFile, pid, pidStartTime, appServerPid, appServerStartTime,
// startedAt}.
nlohmann::json to_json(const BrokerSession& session);
// Tolerant: nullopt when the endpoint is missing or not a string (a corrupt record is no record).
std::optional<BrokerSession> broker_session_from_json(const nlohmann::json& value);

}  // namespace companion::store
