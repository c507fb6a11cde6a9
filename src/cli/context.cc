#include "cli/context.h"

#include <stdlib.h>

#include <cstdio>

#include "cli/workspace_guard.h"
#include "sys/terminal_text.h"

namespace companion::cli {

Result<store::JobStore*> Context::store() {
  if (!store_) {
    auto ws = store::resolve_workspace(cwd);
    if (!ws) return ws.error();
    COMPANION_TRY(check_workspace_root(ws->root, allow_any_workspace));
    if (!ws->ignored_repository.empty()) {
      print_note(fmt::format(
          "codex-companion: note: not using the git repository at {}: it belongs to another user "
          "(or lies beyond a directory that does); the workspace is {}\n",
          ws->ignored_repository, ws->root));
    }
    auto opened = store::JobStore::open(*ws);
    if (!opened) return opened.error();
    store_.emplace(std::move(*opened));
  }
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

nlohmann::json session_runtime() {
  if (auto endpoint = env_value("CODEX_COMPANION_APP_SERVER_ENDPOINT")) {
    return {{"mode", "shared"},
            {"label", "shared broker (" + *endpoint + ")"},
            {"endpoint", *endpoint}};
  }
  return {{"mode", "direct"}, {"label", "direct (one app-server per job)"}, {"endpoint", nullptr}};
}

std::optional<std::string> env_value(const char* name) {
  const char* v = ::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

}  // namespace companion::cli
