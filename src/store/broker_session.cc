#include "store/broker_session.h"

#include <algorithm>

#include "store/job_store.h"
#include "sys/json_read.h"

namespace companion::store {

namespace {

constexpr std::string_view kKeyPrefix = "brokerSession.";

// The identity key of a config key, when it names a broker record.
std::optional<std::string> key_of(const std::string& config_key) {
  if (config_key == kBrokerSessionKey) return std::string();
  if (config_key.size() <= kKeyPrefix.size() || !config_key.starts_with(kKeyPrefix)) {
    return std::nullopt;
  }
  return config_key.substr(kKeyPrefix.size());
}

}  // namespace

std::string broker_session_config_key(const std::string& key) {
  return key.empty() ? std::string(kBrokerSessionKey) : std::string(kKeyPrefix) + key;
}

nlohmann::json to_json(const BrokerSession& s) {
  return {{"key", s.key},
          {"identity", s.identity},
          {"endpoint", s.endpoint},
          {"socketDir", s.socket_dir},
          {"pidFile", s.pid_file},
          {"logFile", s.log_file},
          {"pid", s.pid},
          {"pidStartTime", s.pid_start_time},
          {"appServerPid", s.app_server_pid},
          {"appServerStartTime", s.app_server_start_time},
          {"startedAt", s.started_at}};
}

std::optional<BrokerSession> broker_session_from_json(const nlohmann::json& value) {
  auto endpoint = sys::json_string(value, "endpoint");
  if (!endpoint || endpoint->empty()) return std::nullopt;
  BrokerSession s;
  s.key = sys::json_text(value, "key");
  s.identity = sys::json_object(value, "identity");
  if (s.identity.empty()) s.identity = nullptr;
  s.endpoint = *endpoint;
  s.socket_dir = sys::json_text(value, "socketDir");
  s.pid_file = sys::json_text(value, "pidFile");
  s.log_file = sys::json_text(value, "logFile");
  s.pid = sys::json_int(value, "pid").value_or(0);
  s.pid_start_time =
      static_cast<uint64_t>(std::max<int64_t>(0, sys::json_int(value, "pidStartTime").value_or(0)));
  s.app_server_pid = sys::json_int(value, "appServerPid").value_or(0);
  s.app_server_start_time = static_cast<uint64_t>(
      std::max<int64_t>(0, sys::json_int(value, "appServerStartTime").value_or(0)));
  s.started_at = sys::json_int(value, "startedAt").value_or(0);
  return s;
}

// --- JobStore accessors (declared in job_store.h) ------------------------------------------

Result<std::optional<BrokerSession>> JobStore::broker_session(const std::string& key) {
  auto text = config(broker_session_config_key(key));
  if (!text) return text.error();
  if (!text->has_value()) return std::optional<BrokerSession>();
  auto session = broker_session_from_json(sys::parse_json(**text));
  if (session) session->key = key;  // the record is where it is kept
  return session;
}

Result<std::vector<BrokerSession>> JobStore::broker_sessions() {
  auto stmt = db_.prepare(
      "SELECT key, value FROM config WHERE key = ?1 OR substr(key, 1, ?2) = ?3 ORDER BY key");
  if (!stmt) return stmt.error();
  stmt->bind(1, std::string_view(kBrokerSessionKey))
      .bind(2, static_cast<int64_t>(kKeyPrefix.size()))
      .bind(3, kKeyPrefix);
  std::vector<BrokerSession> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    auto key = key_of(stmt->column_text(0));
    auto session = broker_session_from_json(sys::parse_json(stmt->column_text(1)));
    if (!key || !session) continue;
    session->key = *key;
    out.push_back(std::move(*session));
  }
  return out;
}

Status JobStore::set_broker_session(const BrokerSession& session) {
  return set_config(broker_session_config_key(session.key), to_json(session).dump());
}

Status JobStore::clear_broker_session(const std::string& key, const std::string& endpoint) {
  if (read_only_) return *read_only_;
  auto stmt = db_.prepare(
      "DELETE FROM config WHERE key = ?1 AND (json_valid(value) = 0 OR "
      "json_extract(value, '$.endpoint') IS ?2)");
  if (!stmt) return stmt.error();
  stmt->bind(1, broker_session_config_key(key)).bind(2, endpoint);
  auto done = stmt->run();
  if (!done) return done.error();
  return {};
}

}  // namespace companion::store
