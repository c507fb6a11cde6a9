// The environment variables codex-companion reads (SPEC.md section 4), read once at start into
// one struct that is handed down: no module below cli/ reads the environment itself.
//
// Every numeric setting goes through one parser with one message ("CODEX_COMPANION_KEEP_JOBS=abc
// is not valid: use a whole number of jobs from 1 to 100000"), so a bad value is never silently
// ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sys/env.h"
#include "sys/result.h"

namespace companion::sys {

// The longest duration accepted for a limit (timeouts, stall, deadline, idle): 30 days.
inline constexpr int64_t kMaxSettingMs = 30LL * 24 * 3600 * 1000;

// A numeric setting's bounds and unit, for parsing and for its message.
struct SettingRange {
  int64_t min = 0;
  int64_t max = kMaxSettingMs;
  std::string_view unit = "milliseconds";
};

// Parses a whole decimal number in [range.min, range.max]. `name` is how the user set it
// (`CODEX_COMPANION_JOB_TIMEOUT_MS`, `--timeout-ms`); the error is the one line to show.
Result<int64_t> parse_setting(std::string_view name, std::string_view text,
                              const SettingRange& range);

struct Config {
  // Where state lives: $CODEX_COMPANION_STATE_DIR (absolute; a relative one is refused: it
  // would be resolved inside whatever directory the command runs in, often the repository),
  // else $XDG_STATE_HOME/codex-companion (an absolute XDG_STATE_HOME only: the XDG Base Directory
  // specification says a relative one is invalid and ignored), else
  // $HOME/.local/state/codex-companion. Absolute; not created here.
  std::string state_root;
  // The variable that placed state_root: CODEX_COMPANION_STATE_DIR, XDG_STATE_HOME or HOME.
  std::string state_root_source;
  // TMPDIR when absolute, else "": Codex's workspace-write sandbox lets every task write there.
  std::string tmpdir;
  // XDG_RUNTIME_DIR when absolute, else "": the user's private runtime directory (0700, theirs),
  // where the broker's socket directory goes first (broker/socket_dir.h).
  std::string xdg_runtime_dir;
  std::optional<std::string> session_id;           // CODEX_COMPANION_SESSION_ID
  std::optional<std::string> app_server_endpoint;  // CODEX_COMPANION_APP_SERVER_ENDPOINT
  std::optional<std::string> runtime;              // CODEX_COMPANION_RUNTIME (direct|shared)
  int64_t job_timeout_ms = 30 * 60 * 1000;         // CODEX_COMPANION_JOB_TIMEOUT_MS
  int64_t turn_stall_ms = 10 * 60 * 1000;          // CODEX_COMPANION_TURN_STALL_MS
  int64_t broker_idle_ms = 10 * 60 * 1000;         // CODEX_COMPANION_BROKER_IDLE_MS
  size_t keep_jobs = 50;                           // CODEX_COMPANION_KEEP_JOBS
  // CODEX_COMPANION_CODEX: the Codex executable as configured, made absolute when it is a
  // relative path (so a worker in another directory runs the same file).
  std::optional<std::string> codex;
  std::optional<std::string> plugin_root;  // CODEX_COMPANION_PLUGIN_ROOT: overrides built-ins
  bool allow_any_workspace = false;        // CODEX_COMPANION_ALLOW_ANY_WORKSPACE=1
  std::string path;                        // PATH, for finding executables
  std::string home;                        // HOME
  std::string cwd;                         // the process's working directory at start
  // Read by the Codex launcher logic (codex/codex_binary.h): how the npm package was installed.
  std::optional<std::string> npm_config_user_agent, npm_execpath;
  bool codex_managed_elsewhere = false;  // CODEX_MANAGED_BY_{NPM,BUN,PNPM,VITE_PLUS} is set
  // Claude Code's hook environment.
  std::optional<std::string> claude_env_file;     // CLAUDE_ENV_FILE (SessionStart only)
  std::optional<std::string> claude_plugin_data;  // CLAUDE_PLUGIN_DATA
  std::optional<std::string> claude_plugin_root;  // CLAUDE_PLUGIN_ROOT
  std::optional<std::string> transcript_path;     // CODEX_COMPANION_TRANSCRIPT_PATH
  std::optional<std::string> claude_project_dir;  // CLAUDE_PROJECT_DIR (hooks)
  // CODEX_COMPANION_NOTIFY_COMMAND: the command `notify-job` runs (kNotifyCommandVariable)
  std::optional<std::string> notify_command;
  // Claude Code's configuration directory: $CLAUDE_CONFIG_DIR (made absolute), else
  // $HOME/.claude (empty when HOME is not absolute). Transcripts live in its projects/.
  std::string claude_config_dir;
  bool claude_config_dir_set = false;  // CLAUDE_CONFIG_DIR was set
  // Codex's home: $CODEX_HOME (made absolute), else $HOME/.codex (empty when HOME is not
  // absolute). Where Codex keeps its import ledger (see codex/session_import.h).
  std::string codex_home;
  bool codex_home_set = false;  // CODEX_HOME was set (else codex_home is the default)
  // The user's defaults (cli/user_defaults.h): $XDG_CONFIG_HOME/codex-companion/config.json (an
  // absolute XDG_CONFIG_HOME only), else $HOME/.config/codex-companion/config.json; empty when
  // neither is absolute.
  std::string user_config_file;
  // The whole environment as it was at start, for what depends on variables only known later:
  // which Codex a run gets (codex/identity.h) reads the variables Codex's config names.
  std::map<std::string, std::string> environment;
};

// Reads and validates every setting. The error names the variable and what to set instead.
Result<Config> load_config(Env& env);

// The variables a launcher sets for its background worker so that the worker, which runs from
// another directory, uses exactly the launcher's resolved settings.
inline constexpr const char* kStateDirVariable = "CODEX_COMPANION_STATE_DIR";
inline constexpr const char* kCodexVariable = "CODEX_COMPANION_CODEX";
// How a process that records a background job's end hands `notify-job` the workspace's notify
// command: in the environment, which only the user can read, not in argv, which every local user
// can (a notify command may carry a webhook's secret).
inline constexpr const char* kNotifyCommandVariable = "CODEX_COMPANION_NOTIFY_COMMAND";

}  // namespace companion::sys
