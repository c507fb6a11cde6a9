#include "hooks/transfer.h"

#include <algorithm>
#include <vector>

#include "codex/codex_binary.h"
#include "codex/sandbox_places.h"
#include "codex/session_import.h"
#include "sys/fs.h"
#include "sys/sha256.h"
#include "sys/text.h"

namespace companion::hooks {

namespace {

constexpr size_t kMaxLedgerBytes = 16 * 1024 * 1024;

// The transcript's sha256 as Codex records it, or "" when it cannot be read. Streamed: a
// transcript of any size is hashed in constant memory (bench/transfer_memory.py measures it).
std::string content_hash(sys::Env& env, const std::string& path) {
  auto digest = env.sha256_file_hex(path, sys::Links::kRefuse);
  return digest ? *digest : std::string();
}

std::string ledger_thread(sys::Env& env, const std::string& codex_home, const std::string& source,
                          const std::vector<std::string>& hashes) {
  if (codex_home.empty()) return "";
  auto text = env.read_file(sys::join_path(codex_home, codex::kImportLedgerFile), kMaxLedgerBytes,
                            sys::Links::kFollow);
  if (!text) return "";
  auto ledger = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return codex::ledger_thread_of(ledger, source, hashes);
}

Error reply_error(const codex::ImportReply& reply) {
  if (reply.status == codex::ImportReply::Status::kUnsupported) {
    return make_error(
        "this Codex version does not support Claude session transfer (it does not know {}); "
        "update it with `npm install -g @openai/codex@latest`, then run the transfer again",
        codex::kImportMethod);
  }
  return make_error("could not transfer the session to Codex: {}", reply.error);
}

}  // namespace

Result<Transfer> transfer_session(sys::Env& env, const sys::Config& config,
                                  const TranscriptSource& source, const std::string& cwd) {
  auto codex = codex::resolve_placed_codex(config, cwd, env);
  if (!codex) return codex.error();
  std::vector<std::string> hashes = {content_hash(env, source.path)};
  codex::SessionImport request{source.path, cwd, "Claude Code session " + source.session_id};
  int64_t timeout = std::min(kTransferTimeoutMs, config.turn_stall_ms);
  codex::ImportReply reply = codex::import_session(*codex, request, timeout);
  if (reply.status != codex::ImportReply::Status::kCompleted) return reply_error(reply);
  Transfer out{codex::imported_thread_of(reply.completion, source.path), source.path,
               source.session_id};
  if (out.thread_id.empty()) {
    hashes.push_back(content_hash(env, source.path));  // Claude Code may have appended since
    std::string home = reply.codex_home.empty() ? config.codex_home : reply.codex_home;
    out.thread_id = ledger_thread(env, home, source.path, hashes);
  }
  if (out.thread_id.empty()) {
    std::string failures = codex::import_failures_of(reply.completion);
    return make_error(
        "Codex finished the import but did not record an imported thread for {}{}", source.path,
        failures.empty() ? "; the Codex app-server's log may say why" : ": " + failures);
  }
  if (!sys::is_codex_id(out.thread_id)) {
    // Printed in a `codex resume <id>` line to copy: an id with spaces, quotes or `;` in it
    // would be a command of Codex's choosing.
    return make_error(
        "Codex answered the import of {} with a thread id that is not a plain id (letters, "
        "digits, '-', '_', '.', ':'; at most {} characters), so it is not shown; look for the "
        "imported session with `codex resume`",
        source.path, sys::kMaxCodexIdBytes);
  }
  return out;
}

}  // namespace companion::hooks
