// The workspace's shared brokers, as recorded by whoever started them (broker/lifecycle.h): one
// per Codex identity (codex/identity.h), each kept in the store's config table under the key
// "brokerSession.<identity key>" as a JSON object, so every companion of the workspace that would
// get the same Codex finds the same broker, and one that would get another Codex never does.
// A record under the bare key "brokerSession" was written by an earlier version, which knew no
// identity: it is never used for a job, only found to be stopped or torn down.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace companion::store {

inline constexpr const char* kBrokerSessionKey = "brokerSession";

struct BrokerSession {
  std::string key;              // the identity key (16 hex digits); empty: an earlier version's
  nlohmann::json identity;      // the identity it was started for (shown form), or null
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

// The config key of the record of identity `key` ("brokerSession.<key>"; the bare key for "").
std::string broker_session_config_key(const std::string& key);

// {endpoint, socketDir, pidFile, logFile, pid, pidStartTime, appServerPid, appServerStartTime,
// startedAt, key, identity}.
nlohmann::json to_json(const BrokerSession& session);
// Tolerant: nullopt when the endpoint is missing or not a string (a corrupt record is no record).
std::optional<BrokerSession> broker_session_from_json(const nlohmann::json& value);

}  // namespace companion::store
