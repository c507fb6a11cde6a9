#include "hooks/session.h"

#include <algorithm>

#include "broker/lifecycle.h"

namespace companion::hooks {

Status ask_idle_broker_to_exit(store::JobStore& store, int64_t budget_ms) {
  // stop_broker takes about 2 * answer_ms + 2 * grace_ms at worst.
  broker::StopOptions options{.force = false,
                              .answer_ms = std::max<int64_t>(budget_ms * 3 / 10, 50),
                              .grace_ms = std::max<int64_t>(budget_ms / 5, 50),
                              .tear_down_unanswering = false};
  auto stopped = broker::stop_broker(store, options);
  if (!stopped) return stopped.error();
  return {};
}

}  // namespace companion::hooks
