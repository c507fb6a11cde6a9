// The workspace's queue state (one row of the store, schema version 7): whether `queue pause`
// holds the queue, and what Codex last said about the account's usage limits. Read by the queue
// (jobs::promote_queued) and shown by `status`; written by `queue pause|resume` and by a job that
// saw Codex report its rate limits.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace companion::store {

struct QueueState {
  // When `queue pause` held the queue (epoch ms); 0 = the queue runs.
  int64_t paused_at = 0;
  // The last rate-limit snapshot Codex reported for the account (the app-server's
  // RateLimitSnapshot object, see codex/rate_limits.h), null when none; when it was recorded.
  nlohmann::json rate_limits;
  int64_t rate_limits_at = 0;
  // When the usage window that stopped a job resets (epoch ms); 0 = none known. Until then the
  // queue starts nothing.
  int64_t rate_limited_until = 0;

  bool paused() const { return paused_at != 0; }
  bool rate_limited(int64_t now_ms) const { return rate_limited_until > now_ms; }
};

}  // namespace companion::store
