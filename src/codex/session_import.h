// Importing a Claude Code session into Codex (`transfer`): `externalAgentConfig/import` with one
// SESSIONS migration item, then the `externalAgentConfig/import/completed` notification.
// Asio-free: the synchronous entry point for cli/, plus sans-IO readers of what Codex answers.
//
// Protocol facts (codex-cli 0.169.0, `codex app-server generate-json-schema` and measured
// against the real CLI offline):
//   - params {migrationItems:[{itemType:"SESSIONS", description, cwd, details{sessions:[{path,
//     cwd, title}], plugins[], mcpServers[], hooks[], subagents[], commands[]}}]};
//   - the answer is {importId}; then `externalAgentConfig/import/progress` notifications and one
//     `externalAgentConfig/import/completed` {importId, itemTypeResults:[{itemType,
//     successes:[{itemType, cwd, source, target (the new thread's id), title}],
//     failures:[{itemType, failureStage, message, ...}]}]};
//   - importing a transcript again, unchanged, completes with no success and no failure: the
//     thread it made the first time is only in Codex's ledger, $CODEX_HOME/
//     external_agent_session_imports.json {records:[{source_path, content_sha256,
//     imported_thread_id, ...}]};
//   - Codex imports only from $HOME/.claude/projects (it ignores CLAUDE_CONFIG_DIR): any other
//     path fails with failureStage "session_missing";
//   - an unknown method is answered with code -32600 "Invalid request: unknown variant
//     `<method>`" (the JSON-RPC standard's -32601 is what other servers, and older test doubles,
//     send).
// The reference plugin's test double answers {} and completes with {} (no importId, no results):
// the ledger is then the only place the thread is found. Both forms are read.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "codex/codex_binary.h"

namespace companion::codex {

inline constexpr const char* kImportMethod = "externalAgentConfig/import";
inline constexpr const char* kImportCompletedMethod = "externalAgentConfig/import/completed";
// The ledger file in Codex's home.
inline constexpr const char* kImportLedgerFile = "external_agent_session_imports.json";

struct SessionImport {
  std::string source;  // the transcript: a real path (symlinks resolved)
  std::string cwd;     // the session's working directory (the new thread's cwd)
  std::string description;
};

nlohmann::json session_import_params(const SessionImport& import);

struct ImportReply {
  enum class Status {
    kCompleted,    // Codex reported the import completed: see `completion`
    kUnsupported,  // this Codex does not know the method
    kFailed,       // could not start, was refused, exited, or did not complete in time: `error`
  };
  Status status = Status::kFailed;
  std::string error;
  nlohmann::json completion;  // the completed notification's params (any JSON)
  std::string codex_home;     // the app-server's codexHome (initialize), "" when not given
};

// Starts `<codex> app-server` in import.cwd (always a direct one: an import is not a job),
// initializes it, sends the import and waits for its completion (the notification whose
// importId matches the answer's, or any when either has none). Everything, the app-server's start
// and stop included, ends within about `timeout_ms` plus the stop steps.
// REQUIRES: called from the main thread (the child's parent-death signal).
ImportReply import_session(const CodexCommand& codex, const SessionImport& import,
                           int64_t timeout_ms);

// The thread the completion names for `source` (a success of item type SESSIONS whose source is
// `source` and whose target is a string); "" when none.
std::string imported_thread_of(const nlohmann::json& completion, const std::string& source);

// The failures' messages of the completion, joined with "; " (bounded); "" when none.
std::string import_failures_of(const nlohmann::json& completion);

// The ledger's answer: the last record whose source_path is `source`, whose content_sha256 is one
// of `hashes` (the transcript's content as Codex may have read it) and whose imported_thread_id
// is a string; "" when none. `ledger` is the parsed file (any JSON).
std::string ledger_thread_of(const nlohmann::json& ledger, const std::string& source,
                             const std::vector<std::string>& hashes);

}  // namespace companion::codex
