// What `setup` reports about authentication, from the app-server's account/read and config/read
// answers (codex/account_probe.h).
//
// The JSON keeps the field names and values of the reference plugin's `setup --json` auth object
// (openai/codex-plugin-cc 1.0.5, plugins/codex/scripts/lib/codex.mjs, buildAuthStatus and
// buildAppServerAuthStatus), so scripts written for it read the same answer:
//   {available, loggedIn, detail, source, authMethod, verified, requiresOpenaiAuth, provider}
// plus our `account` (the account object as Codex sent it, or null).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "codex/account_probe.h"

namespace companion::codex {

// The provider's display name for sentences: model_providers[id].name when the config gives one,
// else the built-in name of a provider Codex ships (openai → "OpenAI", ollama → "Ollama",
// lmstudio → "LM Studio"), else the id, else "The active provider". `config` is config/read's
// answer ({config{model_provider, model_providers}}), read tolerantly.
std::string provider_label(const nlohmann::json& config);

// The auth object once the Codex CLI is known to run. `probe.error` non-empty (the app-server did
// not start, or rejected account/read or config/read): available true, loggedIn false, the error
// as detail. Otherwise:
//   an account of type chatgpt → loggedIn, authMethod "chatgpt", verified true,
//     detail "ChatGPT login active for <email>" (or without " for <email>");
//   type apiKey → loggedIn, authMethod "apiKey", verified false, "API key configured (unverified)";
//   another account type Codex reports (amazonBedrock, gcp, ...) → loggedIn, authMethod the type,
//     verified null (the reference knows only the first two and would call these logged out);
//   no account and requiresOpenaiAuth false → loggedIn, authMethod null,
//     "<Provider> is configured and does not require OpenAI authentication";
//   else → not logged in, "<Provider> requires OpenAI authentication".
// source is "app-server" in every case.
nlohmann::json auth_status(const AccountProbe& probe);

// The auth object when the Codex CLI itself is not usable: available false, loggedIn false,
// source "availability", `detail` as given.
nlohmann::json auth_unavailable(const std::string& detail);

// The Codex CLI's version as `codex --version` prints it ("codex-cli 0.169.0"), read off the
// app-server's initialize answer, so `setup` need not run the CLI again: its userAgent is
// "<clientInfo.name>/<version> (<os>; <arch>) <terminal> (<clientInfo.name>; <clientInfo.version>)"
// (codex-cli 0.169.0 answers "codex-companion/0.169.0 (Debian 12.0.0; x86_64) xterm
// (codex-companion; 0.1.0)"; `codex --version` prints "codex-cli 0.169.0"). nullopt when the
// answer has no userAgent or its version part is not a plain version (digits first, then only
// letters, digits, '.', '-' or '+'; at most 64 characters).
std::optional<std::string> cli_version(const nlohmann::json& initialize);

// Whether `text` is a plain version as cli_version() accepts it ("0.169.0", "11.19.1").
bool is_plain_version(std::string_view text);

}  // namespace companion::codex
