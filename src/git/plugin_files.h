// Finding the plugin directory (prompt templates, output schemas) at run time.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sys/result.h"

namespace companion::git {

inline constexpr const char* kAdversarialPromptFile = "prompts/adversarial-review.md";
inline constexpr const char* kReviewSchemaFile = "schemas/review-output.schema.json";

// Where to look for the plugin directory.
struct PluginSearch {
  std::optional<std::string> companion_root;  // $CODEX_COMPANION_PLUGIN_ROOT
  std::optional<std::string> claude_root;     // $CLAUDE_PLUGIN_ROOT
  std::string executable;                     // absolute path of the running binary; may be empty
};

// The search the running process should do: the two environment variables and
// sys::executable_path().
PluginSearch plugin_search_from_environment();

// The directories tried, in order: $CODEX_COMPANION_PLUGIN_ROOT, $CLAUDE_PLUGIN_ROOT, and
// beside the executable <exe dir>/.. (a binary shipped in the plugin's bin/),
// <exe dir>/../../plugin (build/<preset>/codex-companion in a checkout) and
// <exe dir>/../share/codex-companion/plugin (an install under a prefix).
std::vector<std::string> plugin_root_candidates(const PluginSearch& search);

// The first candidate that holds prompts/adversarial-review.md. A set
// CODEX_COMPANION_PLUGIN_ROOT must hold it (an explicit setting that is wrong is an error, not
// skipped). Error: no candidate holds it; the message lists where it looked.
Result<std::string> find_plugin_root(const PluginSearch& search);
Result<std::string> find_plugin_root();

// Reads `relative` (e.g. kAdversarialPromptFile) under `plugin_root`.
Result<std::string> read_plugin_file(const std::string& plugin_root, const std::string& relative);

// Reads and parses a JSON file under `plugin_root` (e.g. kReviewSchemaFile).
Result<nlohmann::json> read_plugin_json(const std::string& plugin_root,
                                        const std::string& relative);

}  // namespace companion::git
