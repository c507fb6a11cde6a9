// Where a sandboxed Codex write task may write, whatever its workspace (README "Threat model"):
// Codex's workspace-write sandbox lets a task write its working directory, /tmp, $TMPDIR and the
// `writable_roots` of the user's configuration (`[sandbox_workspace_write]`). What the companion
// later reads or runs outside the sandbox — its job store, the broker's socket and pid file, the
// codex executable, prompt templates of CODEX_COMPANION_PLUGIN_ROOT — must not be there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codex/codex_binary.h"
#include "sys/config.h"
#include "sys/env.h"
#include "sys/path_checks.h"

namespace companion::codex {

// The `writable_roots` a Codex config.toml names: in a `[sandbox_workspace_write]` table (also a
// profile's, `[profiles.NAME.sandbox_workspace_write]`) or as the dotted key
// `sandbox_workspace_write.writable_roots`, an array of strings that may span lines. Resolved as
// codex-cli 0.169.0 resolves them (measured through thread/start's answer): `~` and `~/…` from
// `home`, a relative one from `config_dir` (the file's directory). A line-based reading of just
// this key, bounded by the text; whatever it does not understand adds nothing.
std::vector<std::string> writable_roots(std::string_view toml, const std::string& config_dir,
                                        const std::string& home);

// /tmp and $TMPDIR: every write task anywhere may write them (the user's Codex configuration may
// exclude them; they are refused regardless). Needs no file read.
std::vector<sys::WritablePlace> always_writable_places(const sys::Config& config);

// always_writable_places() and the writable roots of /etc/codex/config.toml,
// $CODEX_HOME/config.toml and (when `workspace` is not empty) <workspace>/.codex/config.toml,
// each read through `env`, bounded to 1 MiB (an unreadable one adds nothing).
std::vector<sys::WritablePlace> task_writable_places(const sys::Config& config,
                                                     const std::string& workspace, sys::Env& env);

// task_writable_places() and, unless it is the filesystem root, the workspace itself (a write
// task there may write it): where nothing the companion runs or reads as its own may be.
std::vector<sys::WritablePlace> untrusted_places(const sys::Config& config,
                                                 const std::string& workspace, sys::Env& env);

// resolve_codex(), refused when the program that would run (or the npm launcher it stands for)
// lies inside one of untrusted_places(): a task could replace what the companion starts outside
// the sandbox. One line naming the file, where it came from (CODEX_COMPANION_CODEX or PATH),
// where it lies and what to do.
Result<CodexCommand> resolve_placed_codex(const sys::Config& config, const std::string& workspace,
                                          sys::Env& env);

// CODEX_COMPANION_PLUGIN_ROOT (when set), refused inside one of untrusted_places(): its prompt
// templates decide what Codex is asked (the stop gate's verdict among them) outside any task's
// control. One line naming the variable and what to do.
Status check_plugin_root(const sys::Config& config, const std::string& workspace, sys::Env& env);

}  // namespace companion::codex
