#include "hooks/transcript.h"

#include "sys/fs.h"

namespace companion::hooks {

namespace {

constexpr std::string_view kExtension = ".jsonl";

bool ends_with_jsonl(std::string_view path) {
  return path.size() > kExtension.size() &&
         path.substr(path.size() - kExtension.size()) == kExtension;
}

std::string expand(std::string_view requested, const std::string& cwd, const std::string& home) {
  std::string path(requested);
  if (!home.empty() && (path == "~" || path.rfind("~/", 0) == 0)) path = home + path.substr(1);
  return path[0] == '/' ? path : sys::join_path(cwd, path);
}

bool inside(const std::string& path, const std::string& root) {
  return sys::path_is_within(path, root);
}

}  // namespace

std::vector<std::string> transcript_roots(const sys::Config& config) {
  std::vector<std::string> roots;
  if (!config.home.empty() && config.home[0] == '/') {
    roots.push_back(sys::join_path(config.home, ".claude/projects"));
  }
  if (config.claude_config_dir_set && !config.claude_config_dir.empty()) {
    std::string root = sys::join_path(config.claude_config_dir, "projects");
    if (roots.empty() || roots.front() != root) roots.push_back(root);
  }
  return roots;
}

Result<TranscriptSource> resolve_transcript_source(sys::Env& env, std::string_view requested,
                                                   const std::string& cwd, const std::string& home,
                                                   const std::vector<std::string>& roots) {
  if (requested.empty()) {
    return make_error(
        "no Claude Code session to transfer: this shell does not know its transcript (the "
        "plugin's SessionStart hook exports CODEX_COMPANION_TRANSCRIPT_PATH); pass --source "
        "<path to the session's .jsonl>");
  }
  std::string given = expand(requested, cwd, home);
  if (!ends_with_jsonl(given)) {
    return make_error("a Claude Code transcript is a .jsonl file; {} is not one", given);
  }
  auto real = env.real_path(given);
  if (!real) return make_error("no Claude Code transcript at {}: {}", given, real.error().message);
  std::string allowed;
  for (const auto& root : roots) {
    allowed += (allowed.empty() ? "" : " or ") + root;
    auto real_root = env.real_path(root);
    if (!real_root || !inside(*real, *real_root)) continue;
    if (!ends_with_jsonl(*real)) {
      return make_error("a Claude Code transcript is a .jsonl file; {} leads to {}", given, *real);
    }
    if (!env.regular_or_missing(*real)) {
      return make_error("{} is not a regular file, so not a Claude Code transcript", *real);
    }
    std::string name = sys::basename_of(*real);
    return TranscriptSource{*real, name.substr(0, name.size() - kExtension.size())};
  }
  return make_error(
      "refusing {}: sessions are transferred only from {} (where Claude Code keeps "
      "its transcripts), and this file resolves to {}",
      given, allowed.empty() ? std::string("~/.claude/projects") : allowed, *real);
}

}  // namespace companion::hooks
