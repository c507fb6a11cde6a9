#include "store/broker_session.h"

#include <algorithm>

#include "store/job_store.h"
#include "sys/json_read.h"

namespace companion::store {

nlohmann::json to_json(const BrokerSession& s) {
  return {{"endpoint", s.endpoint},
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

Result<std::optional<BrokerSession>> JobStore::broker_session() {
  auto text = config(kBrokerSessionKey);
  if (!text) return text.error();
  if (!text->has_value()) return std::optional<BrokerSession>();
  return broker_session_from_json(nlohmann::json::parse(**text, nullptr, false));
}

Status JobStore::set_broker_session(const BrokerSession& session) {
  return set_config(kBrokerSessionKey, to_json(session).dump());
}

Status JobStore::clear_broker_session(const std::string& endpoint) {
  if (read_only_) return *read_only_;
  auto stmt = db_.prepare(
      "DELETE FROM config WHERE key = ?1 AND (json_valid(value) = 0 OR "
      "json_extract(value, '$.endpoint') IS ?2)");
  if (!stmt) return stmt.error();
  stmt->bind(1, std::string_view(kBrokerSessionKey)).bind(2, endpoint);
  auto done = stmt->run();
  if (!done) return done.error();
  return {};
}

}  // namespace companion::store
