#include "cli/context.h"

#include <cstdio>

#include "broker/lifecycle.h"
#include "cli/workspace_guard.h"
#include "codex/codex_binary.h"
#include "jobs/launch.h"
#include "sys/terminal_text.h"

namespace companion::cli {

store::JobStore::Options Context::store_options() const {
  store::JobStore::Options options;
  options.keep_finished = config.keep_jobs;
  return options;
}

jobs::SettleEffects Context::settle_effects() const {
  jobs::SettleEffects effects;
  auto exe = jobs::self_executable();
  if (!exe) return effects;  // nothing to start the notifier or a worker with
  effects.executable = *exe;
  effects.state_root = config.state_root;
  // The launcher records its Codex CLI in the request; this one is for jobs that lack it.
  effects.codex = [&env = env, &config = config]() -> std::string {
    auto codex = codex::resolve_codex(env, config);
    if (!codex) return "";
    return codex->launcher.empty() ? codex->program : codex->launcher;
  };
  return effects;
}

Status settle(const Context& ctx, store::JobStore& store,
              const std::vector<std::string>& ended_here) {
  auto settled = jobs::settle(store, ctx.settle_effects(), ended_here);
  if (!settled) return settled.error();
  if (settled->queue_error) {
    print_note("codex-companion: note: could not start a queued job: " +
               settled->queue_error->message + "\n");
  }
  return {};
}

Result<store::JobStore*> Context::store() {
  return open_store(/*create=*/true);
}

Result<store::JobStore*> Context::existing_store() {
  return open_store(/*create=*/false);
}

Result<store::JobStore*> Context::open_store(bool create) {
  if (store_) return &*store_;
  auto ws = store::resolve_workspace(env, cwd, config.state_root);
  if (!ws) return ws.error();
  COMPANION_TRY(check_workspace_root(env, ws->root, config.allow_any_workspace));
  // Not where every write task may write; a write task checks its own workspace too
  // (check_write_placement in execute.h).
  COMPANION_TRY(store::check_state_placement(env, *ws, config.state_root_source, config.tmpdir));
  if (!ws->ignored_repository.empty()) {
    print_note(fmt::format(
        "codex-companion: note: not using the git repository at {}: it belongs to another user "
        "(or lies beyond a directory that does); the workspace is {}\n",
        ws->ignored_repository, ws->root));
  }
  if (create) {
    auto opened = store::JobStore::open(*ws, env, store_options());
    if (!opened) return opened.error();
    store_.emplace(std::move(*opened));
  } else {
    auto opened = store::JobStore::open_existing(*ws, env, store_options());
    if (!opened) return opened.error();
    if (!opened->has_value()) return nullptr;
    store_.emplace(std::move(**opened));
  }
  // A broker found dead (SIGKILLed: it could not end what its app-server left running) is torn
  // down by the next command that opens the store, as a dead job owner's leftovers are by the
  // next read. One store read and one /proc lookup per recorded broker when none is dead.
  (void)broker::tear_down_dead_brokers(*store_);
  return &*store_;
}

void print_json(const nlohmann::json& value) {
  std::string text = sys::escape_json_controls(
      value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void print_text(const std::string& text) {
  sys::write_text(stdout, text);
}

void print_note(const std::string& text) {
  sys::write_text(stderr, text);
}

int fail(const Error& error) {
  return fail(error.message);
}

int fail(const std::string& message) {
  std::string line = "codex-companion: ";
  for (char c : message) line.push_back(c == '\n' ? ' ' : c);
  line.push_back('\n');
  sys::write_text(stderr, line);
  return 1;
}

}  // namespace companion::cli
