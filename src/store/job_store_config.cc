// The workspace configuration table of JobStore (key/value settings, see store/settings.h).
#include "store/job_store.h"

namespace companion::store {

Result<std::optional<std::string>> JobStore::config(const std::string& key) {
  auto stmt = db_.prepare("SELECT value FROM config WHERE key = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, key);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->column_text(0));
}

Status JobStore::set_config(const std::string& key, const std::string& value) {
  if (read_only_) return *read_only_;
  auto stmt = db_.prepare(
      "INSERT INTO config(key, value) VALUES (?1, ?2) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!stmt) return stmt.error();
  stmt->bind(1, key).bind(2, value);
  auto done = stmt->run();
  if (!done) return done.error();
  return {};
}

Status JobStore::unset_config(const std::string& key) {
  if (read_only_) return *read_only_;
  auto stmt = db_.prepare("DELETE FROM config WHERE key = ?1");
  if (!stmt) return stmt.error();
  stmt->bind(1, key);
  auto done = stmt->run();
  if (!done) return done.error();
  return {};
}

Result<bool> JobStore::review_gate() {
  auto value = config("stopReviewGate");
  if (!value) return value.error();
  return value->value_or("false") == "true";
}

Status JobStore::set_review_gate(bool enabled) {
  return set_config("stopReviewGate", enabled ? "true" : "false");
}

}  // namespace companion::store
