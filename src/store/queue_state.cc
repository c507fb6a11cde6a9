// JobStore's queue state (store/queue_state.h): one row of the queue_state table.
#include "store/job_store.h"
#include "store/schema.h"
#include "sys/json_read.h"

namespace companion::store {

Result<QueueState> JobStore::queue_state() {
  auto stmt = db_.prepare(
      "SELECT queue_paused_at, rate_limits, rate_limits_at, rate_limited_until FROM queue_state "
      "WHERE id = 1");
  // A read-only store of an older schema has no such table: nothing is held.
  if (!stmt && stmt.error().code == ErrorCode::kMissingTable) return QueueState{};
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  QueueState state;
  if (!*row) return state;
  state.paused_at = stmt->column_int(0);
  if (auto snapshot = sys::parse_json(stmt->column_text(1)); snapshot.is_object()) {
    state.rate_limits = std::move(snapshot);
  }
  state.rate_limits_at = stmt->column_int(2);
  state.rate_limited_until = stmt->column_int(3);
  return state;
}

Result<bool> JobStore::set_queue_paused(bool paused) {
  if (read_only_) return *read_only_;
  auto stmt = db_.prepare(
      paused ? "UPDATE queue_state SET queue_paused_at = ?1 WHERE id = 1 AND queue_paused_at = 0"
             : "UPDATE queue_state SET queue_paused_at = 0 WHERE id = 1 AND queue_paused_at <> 0");
  if (!stmt) return stmt.error();
  if (paused) stmt->bind(1, env_->now_ms());
  auto changed = stmt->run();
  if (!changed) return changed.error();
  return *changed == 1;
}

Status JobStore::record_rate_limits(const nlohmann::json& snapshot,
                                    std::optional<int64_t> limited_until) {
  if (read_only_) return *read_only_;
  auto stmt = db_.prepare(
      "UPDATE queue_state SET rate_limits = ?1, rate_limits_at = ?2, "
      "rate_limited_until = coalesce(?3, rate_limited_until) WHERE id = 1");
  if (!stmt) return stmt.error();
  stmt->bind(1, json_column(snapshot)).bind(2, env_->now_ms());
  if (limited_until) {
    stmt->bind(3, *limited_until);
  } else {
    stmt->bind_null(3);
  }
  auto done = stmt->run();
  if (!done) return done.error();
  return {};
}

}  // namespace companion::store
