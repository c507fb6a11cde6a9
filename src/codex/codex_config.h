// Codex's own configuration files, read for what the companion must know of them: the variables
// a provider reads (codex/identity.h) and the places a write task may write
// (codex/sandbox_places.h). Parsed with toml++ (TOML 1.0, as Codex's own parser); a file that is
// not valid TOML yields nothing, as Codex refuses to start with it.
//
// Thread-safety: pure functions, except read_codex_configs, which reads through the Env.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sys/env.h"

namespace companion::codex {

// The most of one config.toml that is read (a larger file is left out: Codex's own files are a
// few KiB).
inline constexpr size_t kCodexConfigReadLimit = 1024 * 1024;

struct CodexConfigFile {
  std::string path;  // absolute
  std::string text;  // at most kCodexConfigReadLimit bytes
};

// The config.toml files a Codex run in `workspace` reads, in Codex's order (system, user, project):
// /etc/codex/config.toml, `codex_home`/config.toml (when `codex_home` is not empty) and
// `workspace`/.codex/config.toml (when `workspace` is not empty). Those missing, unreadable or
// over the limit are left out. Symlinks are followed, as Codex follows them.
std::vector<CodexConfigFile> read_codex_configs(sys::Env& env, const std::string& codex_home,
                                                const std::string& workspace);

// The variables a config.toml names for its providers to read: the value of every `env_key`
// (in any table: `[model_providers.<id>]`, a profile's, a dotted key) and every value of every
// `env_http_headers` table (inline or not). Only names of [A-Za-z0-9_] that do not start with a
// digit are kept. Sorted, without duplicates; empty for text that is not valid TOML.
std::vector<std::string> config_variables(std::string_view toml);

// The `writable_roots` a config.toml names for the workspace-write sandbox: the array of strings
// under any `sandbox_workspace_write` table (top level, or a profile's:
// `[profiles.NAME.sandbox_workspace_write]`; inline or dotted keys alike), in no particular order.
// Resolved as codex-cli 0.169.0 resolves them (measured through thread/start's answer): `~` and
// `~/…` from `home` (left out when `home` is empty), an absolute one as written, a relative one
// from `config_dir` (the file's directory). Empty for text that is not valid TOML.
std::vector<std::string> writable_roots(std::string_view toml, const std::string& config_dir,
                                        const std::string& home);

}  // namespace companion::codex
