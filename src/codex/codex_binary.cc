#include "codex/codex_binary.h"

#include "sys/fs.h"
#include "sys/process.h"

namespace companion::codex {
namespace {

constexpr const char* kNotFound =
    "Codex CLI not found (looked for `codex` on PATH); install it with `npm install -g "
    "@openai/codex` or set CODEX_COMPANION_CODEX";

// The platform package and target triple the launcher picks on this machine.
struct Platform {
  const char* package;
  const char* triple;
};

constexpr Platform kPlatform =
#if defined(__linux__) && defined(__x86_64__)
    {"codex-linux-x64", "x86_64-unknown-linux-musl"};
#elif defined(__linux__) && defined(__aarch64__)
    {"codex-linux-arm64", "aarch64-unknown-linux-musl"};
#elif defined(__APPLE__) && defined(__x86_64__)
    {"codex-darwin-x64", "x86_64-apple-darwin"};
#elif defined(__APPLE__) && defined(__aarch64__)
    {"codex-darwin-arm64", "aarch64-apple-darwin"};
#else
    {nullptr, nullptr};
#endif

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool executable(sys::Env& env, const std::string& path) {
  return env.find_executable(path, std::nullopt).ok();
}

// Where require.resolve("@openai/<platform package>") would look from the package root, then
// the package's own vendor folder (the launcher's fallback).
std::string find_native(sys::Env& env, const std::string& package_root) {
  std::string tail = std::string("vendor/") + kPlatform.triple + "/bin/codex";
  for (std::string dir = package_root;; dir = sys::dirname_of(dir)) {
    std::string candidate =
        sys::join_path(dir, std::string("node_modules/@openai/") + kPlatform.package + "/" + tail);
    if (executable(env, candidate)) return candidate;
    if (dir == "/" || dir == ".") break;
  }
  std::string own = sys::join_path(package_root, tail);
  return executable(env, own) ? own : std::string();
}

// True when the launcher would report a package manager other than npm (or when unsure).
bool other_package_manager(sys::Env& env, const std::string& package_root,
                           const std::string& entry_dir, const sys::Config& config) {
  if (config.codex_managed_elsewhere) return true;
  if (config.npm_config_user_agent.value_or("").find("bun/") != std::string::npos) return true;
  if (config.npm_execpath.value_or("").find("bun") != std::string::npos) return true;
  if (package_root.find(".bun/install/global") != std::string::npos) return true;
  for (const std::string& start : {package_root, entry_dir}) {
    for (std::string dir = start;; dir = sys::dirname_of(dir)) {
      if (env.path_exists(sys::join_path(dir, "node_modules/.modules.yaml"))) return true;  // pnpm
      if (sys::basename_of(dir) == "packages" &&
          env.path_exists(sys::join_path(dir, "@openai/codex.json"))) {
        return true;  // vite-plus
      }
      if (dir == "/" || dir == ".") break;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> app_server_arguments() {
  return {"app-server"};
}

CodexCommand direct_codex_command(sys::Env& env, const std::string& program,
                                  const sys::Config& config) {
  CodexCommand command{program, {}, {}};
  if (kPlatform.package == nullptr) return command;
  auto real = env.real_path(program);
  if (!real || !ends_with(*real, "/@openai/codex/bin/codex.js")) return command;
  std::string package_root = sys::dirname_of(sys::dirname_of(*real));
  std::string native = find_native(env, package_root);
  if (native.empty()) return command;
  if (other_package_manager(env, package_root, sys::dirname_of(program), config)) return command;
  command.launcher = program;
  command.program = native;
  command.env = {{"CODEX_MANAGED_PACKAGE_ROOT", package_root}, {"CODEX_MANAGED_BY_NPM", "1"}};
  return command;
}

Result<CodexCommand> resolve_codex(sys::Env& env, const sys::Config& config) {
  if (config.codex) {
    auto found = env.find_executable(*config.codex, config.path);
    if (!found) {
      return make_error(
          "Codex CLI not found at CODEX_COMPANION_CODEX={} ({}); install it with "
          "`npm install -g @openai/codex` or fix CODEX_COMPANION_CODEX",
          *config.codex, found.error().message);
    }
    return direct_codex_command(env, *found, config);
  }
  auto found = env.find_executable("codex", config.path);
  if (!found) return Error{kNotFound};
  return direct_codex_command(env, *found, config);
}

}  // namespace companion::codex
