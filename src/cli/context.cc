#include "cli/context.h"

#include <cstdio>

#include "broker/lifecycle.h"
#include "cli/workspace_guard.h"
#include "codex/codex_binary.h"
#include "jobs/launch.h"
#include "jobs/notify.h"
#include "jobs/queue.h"
#include "jobs/write_task.h"
#include "sys/terminal_text.h"

namespace companion::cli {

store::JobStore::Options Context::store_options() const {
  store::JobStore::Options options;
  options.keep_finished = config.keep_jobs;
  options.on_prune = [&os = env](const store::Workspace& ws, const store::Job& job) {
    jobs::remove_job_worktree(os, ws, job);
  };
  options.on_end = [](store::JobStore& store, const std::string& id) {
    if (auto exe = jobs::self_executable()) jobs::start_notifier(store, id, *exe);
  };
  return options;
}

namespace {

// Starts what waits in the workspace's queue, best effort: a read must not fail because a
// queued job could not be started (the next read tries again).
void run_queue(const Context& ctx, store::JobStore& store) {
  auto exe = jobs::self_executable();
  if (!exe) return;
  jobs::WorkerLaunch launch{*exe, ctx.config.state_root, ""};
  // The launcher records its Codex CLI in the request; this one is for jobs that lack it.
  if (auto codex = codex::resolve_codex(ctx.env, ctx.config)) {
    launch.codex = codex->launcher.empty() ? codex->program : codex->launcher;
  }
  auto started = jobs::promote_queued(store, launch);
  if (!started) {
    print_note("codex-companion: note: could not start a queued job: " + started.error().message +
               "\n");
  }
}

}  // namespace

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
  store_->set_queue_runner([this](store::JobStore& s) { run_queue(*this, s); });
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
