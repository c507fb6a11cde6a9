// The plugin files the binary needs at run time (plugin/prompts/*.md, plugin/schemas/*.json),
// compiled in so that a binary copied or installed anywhere works on its own. The bytes are
// generated from plugin/ at build time by cmake/embed_files.cmake (regenerated when a file
// changes), so the compiled-in copies cannot drift from the files in the repository.
//
// CODEX_COMPANION_PLUGIN_ROOT, when set, replaces them: files are then read from that directory
// (to try a changed prompt without rebuilding). The caller passes the value in
// (sys::Config::plugin_root); nothing here reads the environment.
//
// Thread-safety: everything here may be called from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sys/env.h"
#include "sys/result.h"

namespace companion::assets {

// The variable's name, for messages (its value comes from sys::Config::plugin_root).
inline constexpr char kPluginRootVariable[] = "CODEX_COMPANION_PLUGIN_ROOT";
inline constexpr std::string_view kAdversarialPromptFile = "prompts/adversarial-review.md";
inline constexpr std::string_view kReviewSchemaFile = "schemas/review-output.schema.json";

// A file read from CODEX_COMPANION_PLUGIN_ROOT larger than this is refused.
inline constexpr size_t kMaxPluginFileBytes = 1024 * 1024;

// One compiled-in file: its path relative to plugin/ (e.g. kAdversarialPromptFile) and its
// exact bytes. Both views point into static storage that lives as long as the process.
struct EmbeddedFile {
  std::string_view path;
  std::string_view bytes;
};

// Every compiled-in file, in the order of the path names. Defined in the generated source.
std::span<const EmbeddedFile> embedded_files();

// The compiled-in bytes of `path` (relative to plugin/); nullopt when no such file is compiled in.
std::optional<std::string_view> embedded_file(std::string_view path);

// The contents of plugin file `path`: <plugin_root>/<path> when `plugin_root` is set (the value
// of CODEX_COMPANION_PLUGIN_ROOT), else the compiled-in copy.
// Errors: `plugin_root` is set and the file there is missing, unreadable or larger than
// kMaxPluginFileBytes (an explicit setting is never silently ignored); `plugin_root` is unset and
// `path` is not compiled in.
// `env`: the OS seam the override is read through.
Result<std::string> plugin_file(sys::Env& env, const std::optional<std::string>& plugin_root,
                                std::string_view path);

// plugin_file() parsed as JSON. Error: as plugin_file(), or the text is not valid JSON.
Result<nlohmann::json> plugin_json(sys::Env& env, const std::optional<std::string>& plugin_root,
                                   std::string_view path);

}  // namespace companion::assets
