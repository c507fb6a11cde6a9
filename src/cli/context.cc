#include "cli/context.h"

#include <cstdio>

namespace companion::cli {

store::JobStore::Options Context::store_options() const {
  store::JobStore::Options options;
  options.keep_finished = config.keep_jobs;
  return options;
}

Result<store::JobStore*> Context::store() {
  if (!store_) {
    auto ws = store::resolve_workspace(cwd, config.state_root);
    if (!ws) return ws.error();
    auto opened = store::JobStore::open(*ws, env, store_options());
    if (!opened) return opened.error();
    store_.emplace(std::move(*opened));
  }
  return &*store_;
}

void print_json(const nlohmann::json& value) {
  std::string text = value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void print_text(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

int fail(const Error& error) {
  return fail(error.message);
}

int fail(const std::string& message) {
  std::string line = "codex-companion: ";
  for (char c : message) line.push_back(c == '\n' ? ' ' : c);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
  return 1;
}

nlohmann::json session_runtime(const sys::Config& config) {
  if (config.app_server_endpoint) {
    return {{"mode", "shared"},
            {"label", "shared broker (" + *config.app_server_endpoint + ")"},
            {"endpoint", *config.app_server_endpoint}};
  }
  return {{"mode", "direct"}, {"label", "direct (one app-server per job)"}, {"endpoint", nullptr}};
}

}  // namespace companion::cli
