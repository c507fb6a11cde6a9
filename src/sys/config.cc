#include "sys/config.h"

#include <charconv>

#include "sys/fs.h"

namespace companion::sys {

Result<int64_t> parse_setting(std::string_view name, std::string_view text,
                              const SettingRange& range) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < range.min ||
      value > range.max) {
    return make_error("{}={} is not valid: use a whole number of {} from {} to {}", name, text,
                      range.unit, range.min, range.max);
  }
  return value;
}

namespace {

// A non-empty variable, else nullopt.
std::optional<std::string> non_empty(Env& env, const char* name) {
  auto value = env.get_var(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

Status read_number(Env& env, const char* name, const SettingRange& range, int64_t& out) {
  auto text = non_empty(env, name);
  if (!text) return {};
  auto value = parse_setting(name, *text, range);
  if (!value) return value.error();
  out = *value;
  return {};
}

std::string absolute(const std::string& cwd, const std::string& path) {
  return path.empty() || path[0] == '/' ? path : join_path(cwd, path);
}

Status resolve_state_root(Config& c, Env& env) {
  if (auto dir = non_empty(env, kStateDirVariable)) {
    if ((*dir)[0] != '/') {
      return make_error(
          "{}={} is a relative path, which would put the job store inside whatever directory a "
          "command runs in (often the repository, where Codex's write tasks may write); set an "
          "absolute directory outside your repositories, /tmp and $TMPDIR, or unset it to use "
          "~/.local/state/codex-companion",
          kStateDirVariable, *dir);
    }
    c.state_root = *dir;
    c.state_root_source = kStateDirVariable;
    return {};
  }
  // The XDG Base Directory specification says to ignore a relative XDG_STATE_HOME.
  if (auto xdg = non_empty(env, "XDG_STATE_HOME"); xdg && (*xdg)[0] == '/') {
    c.state_root = join_path(*xdg, "codex-companion");
    c.state_root_source = "XDG_STATE_HOME";
    return {};
  }
  if (c.home.empty() || c.home[0] != '/') {
    return make_error(
        "cannot place the job store: HOME is not set to an absolute path; set "
        "CODEX_COMPANION_STATE_DIR or XDG_STATE_HOME");
  }
  c.state_root = c.home + "/.local/state/codex-companion";
  c.state_root_source = "HOME";
  return {};
}

}  // namespace

Result<Config> load_config(Env& env) {
  Config c;
  auto cwd = env.current_dir();
  if (!cwd) return cwd.error();
  c.cwd = *cwd;
  c.home = env.get_var("HOME").value_or("");
  c.path = env.get_var("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  c.session_id = non_empty(env, "CODEX_COMPANION_SESSION_ID");
  c.app_server_endpoint = non_empty(env, "CODEX_COMPANION_APP_SERVER_ENDPOINT");
  c.runtime = non_empty(env, "CODEX_COMPANION_RUNTIME");
  if (c.runtime && *c.runtime != "direct" && *c.runtime != "shared") {
    return make_error("CODEX_COMPANION_RUNTIME={} is not valid: use direct or shared", *c.runtime);
  }
  COMPANION_TRY(read_number(env, "CODEX_COMPANION_JOB_TIMEOUT_MS",
                            {1, kMaxSettingMs, "milliseconds"}, c.job_timeout_ms));
  COMPANION_TRY(read_number(env, "CODEX_COMPANION_TURN_STALL_MS",
                            {1, kMaxSettingMs, "milliseconds"}, c.turn_stall_ms));
  COMPANION_TRY(read_number(env, "CODEX_COMPANION_BROKER_IDLE_MS",
                            {1, kMaxSettingMs, "milliseconds"}, c.broker_idle_ms));
  int64_t keep = static_cast<int64_t>(c.keep_jobs);
  COMPANION_TRY(read_number(env, "CODEX_COMPANION_KEEP_JOBS", {1, 100000, "jobs"}, keep));
  c.keep_jobs = static_cast<size_t>(keep);
  if (auto codex = non_empty(env, kCodexVariable)) {
    // A bare name is looked up on PATH later; a relative path is pinned to this directory now.
    c.codex = codex->find('/') == std::string::npos ? *codex : absolute(c.cwd, *codex);
  }
  if (auto root = non_empty(env, "CODEX_COMPANION_PLUGIN_ROOT")) {
    c.plugin_root = absolute(c.cwd, *root);
  }
  if (auto allow = non_empty(env, "CODEX_COMPANION_ALLOW_ANY_WORKSPACE")) {
    if (*allow != "0" && *allow != "1") {
      return make_error("CODEX_COMPANION_ALLOW_ANY_WORKSPACE={} is not valid: use 1 or 0", *allow);
    }
    c.allow_any_workspace = *allow == "1";
  }
  c.npm_config_user_agent = non_empty(env, "npm_config_user_agent");
  c.npm_execpath = non_empty(env, "npm_execpath");
  for (const char* name : {"CODEX_MANAGED_BY_NPM", "CODEX_MANAGED_BY_BUN", "CODEX_MANAGED_BY_PNPM",
                           "CODEX_MANAGED_BY_VITE_PLUS"}) {
    c.codex_managed_elsewhere = c.codex_managed_elsewhere || env.get_var(name).has_value();
  }
  c.claude_env_file = non_empty(env, "CLAUDE_ENV_FILE");
  c.claude_plugin_data = non_empty(env, "CLAUDE_PLUGIN_DATA");
  c.claude_plugin_root = non_empty(env, "CLAUDE_PLUGIN_ROOT");
  c.transcript_path = non_empty(env, "CODEX_COMPANION_TRANSCRIPT_PATH");
  c.claude_project_dir = non_empty(env, "CLAUDE_PROJECT_DIR");
  c.notify_command = non_empty(env, kNotifyCommandVariable);
  bool home_ok = !c.home.empty() && c.home[0] == '/';
  if (auto dir = non_empty(env, "CLAUDE_CONFIG_DIR")) {
    c.claude_config_dir = absolute(c.cwd, *dir);
    c.claude_config_dir_set = true;
  } else if (home_ok) {
    c.claude_config_dir = join_path(c.home, ".claude");
  }
  if (auto dir = non_empty(env, "CODEX_HOME")) {
    c.codex_home = absolute(c.cwd, *dir);
    c.codex_home_set = true;
  } else if (home_ok) {
    c.codex_home = join_path(c.home, ".codex");
  }
  if (auto xdg = non_empty(env, "XDG_CONFIG_HOME"); xdg && (*xdg)[0] == '/') {
    c.user_config_file = join_path(join_path(*xdg, "codex-companion"), "config.json");
  } else if (home_ok) {
    c.user_config_file = join_path(c.home, ".config/codex-companion/config.json");
  }
  for (auto& [name, value] : env.variables()) c.environment.emplace(name, std::move(value));
  if (auto tmpdir = non_empty(env, "TMPDIR"); tmpdir && (*tmpdir)[0] == '/') c.tmpdir = *tmpdir;
  if (auto run = non_empty(env, "XDG_RUNTIME_DIR"); run && (*run)[0] == '/') {
    c.xdg_runtime_dir = *run;
  }
  COMPANION_TRY(resolve_state_root(c, env));
  return c;
}

}  // namespace companion::sys
