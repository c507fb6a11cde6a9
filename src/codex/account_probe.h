// Asking a Codex app-server who is signed in and how it is configured (for `setup`).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "codex/codex_binary.h"
#include "codex/connector.h"

namespace companion::codex {

// What `setup` needs to know about authentication: initialize, then account/read
// {refreshToken:false}, then config/read {includeLayers:false, cwd}, then account/rateLimits/read.
// The three answers are the app-server's, unchecked: read them with sys/json_read.h.
struct AccountProbe {
  std::string error;          // empty on success
  nlohmann::json initialize;  // {userAgent, codexHome, ...}
  nlohmann::json account;     // {account: null | {type, email?}, requiresOpenaiAuth}
  nlohmann::json config;      // {config{model_provider, model_providers, ...}}
  std::string runtime;        // who answered: "shared" (the broker) or "direct"
  // account/rateLimits/read's answer (codex/rate_limits.h), else null with why in
  // rate_limits_error (Codex answers it only for a ChatGPT sign-in); not a probe failure.
  nlohmann::json rate_limits;
  std::string rate_limits_error;
};

// Through the broker when `connector` names one (a broker that fails is left for a direct
// app-server when connector.direct_fallback is set), else a direct app-server.
AccountProbe probe_account(const CodexCommand& codex, const std::string& cwd, int64_t timeout_ms,
                           const Connector& connector = Connector::direct());

}  // namespace companion::codex
