// What every command needs: parsed arguments, the configuration read once at start, the OS seam,
// the workspace and its store, output.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/args.h"
#include "jobs/settle.h"
#include "store/job_store.h"
#include "sys/config.h"
#include "sys/env.h"
#include "sys/result.h"

namespace companion::cli {

struct Context {
  Context(sys::Env& e, sys::Config c) : env(e), config(std::move(c)) {}

  sys::Env& env;
  sys::Config config;
  std::string command;
  ParsedArgs args;
  std::string cwd;  // --cwd, else the process's working directory

  bool json() const { return args.flag("json"); }
  const std::optional<std::string>& session_id() const { return config.session_id; }
  // The store of the workspace containing `cwd` (opened on first use). Refuses the filesystem
  // root and pseudo-filesystems as workspaces (check_workspace_root) unless
  // CODEX_COMPANION_ALLOW_ANY_WORKSPACE=1; notes on stderr a repository above `cwd` that was
  // ignored because another user owns it.
  Result<store::JobStore*> store();
  // The same store when the workspace already has one, else nullptr: nothing is created (for
  // hooks, which run in every directory Claude Code is used in). Same refusals as store().
  Result<store::JobStore*> existing_store();
  // Options for opening any workspace's store (retention from the configuration).
  store::JobStore::Options store_options() const;
  // What jobs::settle may start for this command: this program as notify-job and task-worker,
  // with this run's state root, and its Codex CLI (resolved only when a queued job starts).
  jobs::SettleEffects settle_effects() const;
  // Session filter for defaults (status/result/cancel without a job id).
  store::JobFilter session_filter() const { return store::JobFilter{config.session_id}; }

 private:
  Result<store::JobStore*> open_store(bool create);
  std::optional<store::JobStore> store_;
};

// The store's effects for this command, in one visible step (jobs::settle): reconcile, notify
// (also for `ended_here`, the jobs this command ended itself), prune, promote the queue. A queued
// job that could not start is a note on stderr, not an error (the next settle tries again).
// Errors: the store cannot be read.
Status settle(const Context& ctx, store::JobStore& store,
              const std::vector<std::string>& ended_here = {});

// Output. These and sys::write_text are the only writers of stdout and stderr: text goes out
// through sys::printable_text (control characters made visible), JSON through
// sys::escape_json_controls, so nothing untrusted reaches the terminal as a control sequence.
//
// Prints one JSON document on stdout (exact JSON; C1 and DEL escaped too).
void print_json(const nlohmann::json& value);
// Prints text on stdout.
void print_text(const std::string& text);
// Prints text on stderr (progress and hints; not an error).
void print_note(const std::string& text);
// Prints "codex-companion: <message>" on stderr as one line; returns exit status 1.
int fail(const Error& error);
int fail(const std::string& message);

}  // namespace companion::cli
