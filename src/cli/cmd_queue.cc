// `queue [show|pause|resume] [--json]`: hold the workspace's queue (waiting background jobs stay
// queued, running ones go on), release it, or show it. The hold is in the store (it survives
// restarts); jobs::promote_queued checks it.
#include "cli/commands.h"
#include "jobs/queue.h"
#include "sys/json_read.h"

namespace companion::cli {

namespace {

std::string queue_text(const nlohmann::json& queue) {
  int64_t waiting = sys::json_int(queue, "waiting").value_or(0);
  std::string held = sys::json_text(queue, "hold");
  if (held.empty()) return fmt::format("Queue running; {} job(s) waiting for a slot.\n", waiting);
  return fmt::format("Queue held: {}; {} job(s) waiting.\n", held, waiting);
}

}  // namespace

int run_queue(Context& ctx) {
  const auto& words = ctx.args.positionals;
  std::string action = words.empty() ? "show" : words[0];
  if (words.size() > 1 || (action != "show" && action != "pause" && action != "resume")) {
    std::string given;
    for (const auto& w : words) given += (given.empty() ? "" : " ") + w;
    return fail("queue takes pause, resume or show (the default), not '" + given + "'");
  }
  auto store = ctx.store();
  if (!store) return fail(store.error());
  std::optional<bool> changed;
  if (action != "show") {
    auto set = (*store)->set_queue_paused(action == "pause");
    if (!set) return fail(set.error());
    changed = *set;
  }
  // The store's effects after the change: a released queue starts what waits at once.
  if (auto settled = settle(ctx, **store); !settled) return fail(settled.error());
  auto queue = jobs::queue_report(**store);
  if (!queue) return fail(queue.error());
  if (changed) (*queue)["changed"] = *changed;
  if (ctx.json()) {
    (*queue)["workspaceRoot"] = (*store)->workspace().root;
    print_json(*queue);
  } else {
    std::string text = queue_text(*queue);
    if (changed && !*changed)
      text = "Already " + std::string(action == "pause" ? "paused" : "running") + ". " + text;
    print_text(text);
  }
  return 0;
}

}  // namespace companion::cli
