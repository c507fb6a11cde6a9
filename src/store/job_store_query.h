// JobStore::query's definition, for the store's own files (not part of the store's interface).
#pragma once

#include <string>

#include "store/job_store.h"
#include "store/schema.h"

namespace companion::store {

// Rows of `SELECT <job columns> FROM jobs <tail>`, with parameters bound by `bind`.
template <class Bind>
Result<std::vector<Job>> JobStore::query(std::string_view tail, Bind&& bind) {
  std::string sql = "SELECT ";
  sql.append(kJobColumns).append(" FROM jobs ").append(tail);
  auto stmt = db_.prepare(sql);
  if (!stmt) return stmt.error();
  bind(*stmt);
  std::vector<Job> jobs;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    jobs.push_back(read_job_row(*stmt));
  }
  return jobs;
}

// Jobs that are not finished.
inline constexpr std::string_view kActiveJobs = "status IN ('queued','running')";

}  // namespace companion::store
