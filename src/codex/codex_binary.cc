#include "codex/codex_binary.h"

#include <stdlib.h>
#include <unistd.h>

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

std::string env_or_empty(const char* name) {
  const char* value = ::getenv(name);
  return value ? value : "";
}

bool executable(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0 && !sys::is_directory(path);
}

// Where require.resolve("@openai/<platform package>") would look from the package root, then
// the package's own vendor folder (the launcher's fallback).
std::string find_native(const std::string& package_root) {
  std::string tail = std::string("vendor/") + kPlatform.triple + "/bin/codex";
  for (std::string dir = package_root;; dir = sys::dirname_of(dir)) {
    std::string candidate =
        sys::join_path(dir, std::string("node_modules/@openai/") + kPlatform.package + "/" + tail);
    if (executable(candidate)) return candidate;
    if (dir == "/" || dir == ".") break;
  }
  std::string own = sys::join_path(package_root, tail);
  return executable(own) ? own : std::string();
}

// True when the launcher would report a package manager other than npm (or when unsure).
bool other_package_manager(const std::string& package_root, const std::string& entry_dir) {
  for (const char* name : {"CODEX_MANAGED_BY_NPM", "CODEX_MANAGED_BY_BUN", "CODEX_MANAGED_BY_PNPM",
                           "CODEX_MANAGED_BY_VITE_PLUS"}) {
    if (::getenv(name)) return true;
  }
  if (env_or_empty("npm_config_user_agent").find("bun/") != std::string::npos) return true;
  if (env_or_empty("npm_execpath").find("bun") != std::string::npos) return true;
  if (package_root.find(".bun/install/global") != std::string::npos) return true;
  for (const std::string& start : {package_root, entry_dir}) {
    for (std::string dir = start;; dir = sys::dirname_of(dir)) {
      if (sys::path_exists(sys::join_path(dir, "node_modules/.modules.yaml"))) return true;  // pnpm
      if (sys::basename_of(dir) == "packages" &&
          sys::path_exists(sys::join_path(dir, "@openai/codex.json"))) {
        return true;  // vite-plus
      }
      if (dir == "/" || dir == ".") break;
    }
  }
  return false;
}

// Children start in another directory: a relative program path must not depend on ours.
std::string absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char buffer[4096];
  if (::getcwd(buffer, sizeof buffer) == nullptr) return path;
  return sys::join_path(buffer, path);
}

}  // namespace

CodexCommand direct_codex_command(const std::string& program) {
  CodexCommand command{program, {}, {}};
  if (kPlatform.package == nullptr) return command;
  auto real = sys::real_path(program);
  if (!real || !ends_with(*real, "/@openai/codex/bin/codex.js")) return command;
  std::string package_root = sys::dirname_of(sys::dirname_of(*real));
  std::string native = find_native(package_root);
  if (native.empty()) return command;
  if (other_package_manager(package_root, sys::dirname_of(program))) return command;
  command.launcher = program;
  command.program = native;
  command.env = {{"CODEX_MANAGED_PACKAGE_ROOT", package_root}, {"CODEX_MANAGED_BY_NPM", "1"}};
  return command;
}

Result<CodexCommand> resolve_codex() {
  std::string configured = env_or_empty("CODEX_COMPANION_CODEX");
  if (!configured.empty()) {
    auto found = sys::find_executable(configured);
    if (!found) {
      return make_error(
          "Codex CLI not found at CODEX_COMPANION_CODEX={} ({}); install it with "
          "`npm install -g @openai/codex` or fix CODEX_COMPANION_CODEX",
          configured, found.error().message);
    }
    return direct_codex_command(absolute(*found));
  }
  auto found = sys::find_executable("codex");
  if (!found) return Error{kNotFound};
  return direct_codex_command(absolute(*found));
}

}  // namespace companion::codex
