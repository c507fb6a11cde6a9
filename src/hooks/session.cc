#include "hooks/session.h"

#include <algorithm>

#include "broker/lifecycle.h"

namespace companion::hooks {

Status ask_idle_broker_to_exit(store::JobStore& store, int64_t budget_ms) {
  // stop_brokers asks brokers until 3/10 of the budget is spent (each answer bounded by answer_ms,
  // 3/10), then gives them grace_ms (2/10) together, then tears down what is left.
  broker::StopOptions options{.force = false,
                              .answer_ms = std::max<int64_t>(budget_ms * 3 / 10, 50),
                              .grace_ms = std::max<int64_t>(budget_ms / 5, 50),
                              .tear_down_unanswering = false,
                              .budget_ms = std::max<int64_t>(budget_ms * 3 / 10, 50)};
  auto stopped = broker::stop_brokers(store, options);
  if (!stopped) return stopped.error();
  return {};
}

}  // namespace companion::hooks
