// Which Codex a run gets (SPEC.md section 4: a shared broker serves only runs that would get the
// same Codex). A broker's app-server keeps the home, executable and environment of whoever
// started it: a run that would get another Codex — another account or provider, another key,
// another CODEX_HOME (where its threads are stored, so `codex resume` finds them), another build
// of the CLI — must never be served by it. The identity is what decides that, and two runs get
// the same broker only when their identities' digests are equal.
//
// It is made of:
//   - the workspace root;
//   - Codex's home: $CODEX_HOME, else ~/.codex, resolved (symlinks followed) when it exists;
//   - the Codex CLI that would run: its resolved path, the npm launcher it bypasses (and the
//     variables that bypass sets), and the file's identity (device, inode, size, modification
//     time: an upgraded binary is a new file);
//   - the arguments we start `codex app-server` with (the config overrides we pass: none today);
//   - the variables Codex reads to choose and reach its model provider and account
//     (provider_variables(), plus every `env_key` and `env_http_headers` variable the config.toml
//     files name): which are set, and one digest of their names and values. Their values are
//     never kept or shown; only the digest is.
// Not part of it: proxies (HTTP(S)_PROXY …: the route, not who answers), PATH, our own
// CODEX_COMPANION_* settings.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codex/codex_binary.h"
#include "sys/config.h"
#include "sys/env.h"
#include "sys/fs.h"

namespace companion::codex {

// The variables codex-cli 0.169.0 reads to sign in and to choose and reach its model provider
// (found in its source: the login and model-provider crates, the Bedrock and Vertex
// providers, the CA bundle, the thread database's home). Documented in the README.
std::span<const char* const> provider_variables();

// The variables a Codex config.toml names for its providers to read: the value of every key
// `env_key` ([model_providers.<id>] tables and dotted keys) and every value of an
// `env_http_headers` table (inline, or a table of its own). A line-based reading of just these
// keys; whatever it does not understand adds no name. Only names of [A-Za-z0-9_] (not starting
// with a digit) are kept. Sorted, without duplicates.
std::vector<std::string> config_variables(std::string_view toml);

struct CodexIdentity {
  std::string workspace;
  std::string codex_home;       // resolved when it exists
  bool codex_home_set = false;  // from CODEX_HOME (else the default ~/.codex)
  std::string program;          // the executable that runs (resolved)
  std::string launcher;         // the npm launcher it bypasses, else empty
  sys::FileStamp program_file;  // zeros when it cannot be read
  std::vector<std::pair<std::string, std::string>> program_env;  // CodexCommand::env
  std::vector<std::string> app_server_args;                      // after the program
  std::vector<std::string> variables;                            // the names checked, sorted
  std::vector<std::string> variables_set;  // those set (an empty value counts), sorted
  std::string variables_digest;            // hex SHA-256 of the set ones' names and values
  std::string digest;                      // hex SHA-256 of all of the above: the identity

  // The first 16 hex digits of the digest: names the broker's record and files.
  std::string key() const { return digest.substr(0, 16); }
};

// The identity of a run in `workspace` (its root) with this configuration and Codex CLI.
// Reads $CODEX_HOME/config.toml, /etc/codex/config.toml and <workspace>/.codex/config.toml through
// `env` (each bounded to 1 MiB; a missing or unreadable one names no variable), the program's
// file identity and the home's real path. Never fails: what cannot be read is left empty.
CodexIdentity codex_identity(const std::string& workspace, const sys::Config& config,
                             const CodexCommand& codex, sys::Env& env);

// The shown form (broker status, setup, the broker's ping answer): {key, digest, workspace,
// codexHome, codexHomeFrom ("CODEX_HOME" | "default"), codex{path, launcher|null,
// file{device, inode, size, modifiedNs}}, appServerArgs[], variables{checked[], set[], digest
// (16 hex digits)}}. Holds no value of any variable.
nlohmann::json to_json(const CodexIdentity& identity);

// Tolerant reads of a shown identity: its digest ("" when absent or not a string).
std::string identity_digest(const nlohmann::json& shown);

// What differs between the identity a run wants and the one a broker has (both shown forms), as
// a phrase for a message ("CODEX_HOME is /b here, /a there"); "" when nothing visible differs.
std::string describe_difference(const nlohmann::json& wanted, const nlohmann::json& found);

}  // namespace companion::codex
