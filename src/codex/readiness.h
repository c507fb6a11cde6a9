// Setup's readiness rules (`setup`): which tools run, whether the Codex CLI runs and speaks
// app-server, whether its account is signed in, whether the whole is ready, and the next step each
// finding asks of the user. Each check is a JSON object {available, detail[, path][, version]}
// as the reference plugin's setup report has it (scripts read it).
//
// Every program is found and run through `env` (Env::find_executable, Env::run_command, each run
// bounded by kCheckTimeoutMs); the account is asked through an AccountProber, so the rules run on
// a fake in unit tests. Thread-compatible: the checks share nothing but `env` and `next_steps`.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "codex/account_probe.h"
#include "codex/codex_binary.h"
#include "sys/config.h"
#include "sys/env.h"

namespace companion::codex {

inline constexpr int kCheckTimeoutMs = 15000;

// {available, detail}.
nlohmann::json check(bool available, const std::string& detail);

// `<tool> --version` of `tool` on the configuration's PATH: the detail is its first line, or
// `missing` when there is none, or that it does not run.
nlohmann::json check_tool(sys::Env& env, const sys::Config& config, const std::string& tool,
                          const std::string& missing);

// npm's version without starting Node.js (`npm --version` takes 0.3-0.5 s): npm prints the
// version in its own package.json, and `npm` on PATH links to <package>/bin/npm-cli.js (npm's
// layout in its tarball, nodejs.org's and Debian's installs). Anything else runs `npm --version`.
nlohmann::json check_npm(sys::Env& env, const sys::Config& config);

// Asks the resolved Codex CLI's app-server for its account (codex::probe_account).
using AccountProber = std::function<AccountProbe(const CodexCommand& codex)>;

struct CodexReport {
  nlohmann::json codex;  // the codex check
  nlohmann::json auth;   // codex::auth_status, or codex::auth_unavailable with why
  AccountProbe probe;    // what the app-server answered (empty when it was not asked): the
                         // usage limits (rate_limits) setup reports
};

// The codex check and the auth object with at most one app-server start (`probe`): the
// app-server is asked first, and its initialize answer carries the version (codex::cli_version).
// Only when it cannot answer, or names no version, are `codex --version` and `codex app-server
// --help` run to say what is missing. The detail reads "<version>; advanced runtime available" as
// the reference plugin's does (scripts match it). Appends to `next_steps` what the user should do
// about what is missing.
CodexReport check_codex_and_auth(sys::Env& env, const sys::Config& config,
                                 const AccountProber& probe, std::vector<std::string>& next_steps);

// Ready: the Codex CLI is available and its account signed in (or needs no sign-in). This binary
// needs no Node.js. When ready and the review gate is off, suggests turning it on (in
// `next_steps`).
bool is_ready(const CodexReport& report, bool review_gate_on, std::vector<std::string>& next_steps);

}  // namespace companion::codex
