// How this command's jobs reach Codex (SPEC.md guarantee 4, sections 1 and 4): the shared broker
// of the workspace for this run's Codex identity by default, a direct app-server otherwise.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli/context.h"
#include "codex/codex_binary.h"
#include "codex/connector.h"
#include "store/job_store.h"

namespace companion::cli {

// This run's Codex identity in the workspace of `store` (codex/identity.h, in its shown form):
// what a broker must run to serve it.
nlohmann::json run_identity(Context& ctx, store::JobStore& store, const codex::CodexCommand& codex);
// The same with the Codex CLI resolved here; an error when it cannot be found (then no broker
// can serve this run either).
Result<nlohmann::json> run_identity(Context& ctx, store::JobStore& store);

// The connector for a job run by this process with `codex`, in this order:
//   CODEX_COMPANION_RUNTIME=direct                 -> a direct app-server;
//   CODEX_COMPANION_APP_SERVER_ENDPOINT            -> that broker, when it answers broker/ping
//                                                     with this run's identity; otherwise a
//                                                     direct app-server, with one note on stderr
//                                                     saying why (what differs, never a value);
//   the workspace's broker of this run's identity (recorded and answering with it, else
//   started: broker/lifecycle.h);
//   a direct app-server when no broker could be had (a note on stderr says why).
// A broker connector always falls back to a direct app-server when the broker fails before the
// turn was requested (codex/run_turn.h).
codex::Connector job_connector(Context& ctx, store::JobStore& store,
                               const codex::CodexCommand& codex);

// The connector for a question that should not start a broker (setup's sign-in check): the
// configured broker or the running one of this run's identity (each only when it answers with
// it), else a direct app-server.
codex::Connector existing_broker_connector(Context& ctx, store::JobStore& store);

// `sessionRuntime` of status and setup: {mode: shared|direct, label, detail, endpoint} plus,
// for a running broker, {pid, clients, activeTurns, codexVersion}, and `identity` (this run's,
// when a broker is recorded or named, or always with `with_identity`). Asks the broker (bounded:
// 150 ms). Without any broker recorded nothing is computed (status stays a store read).
nlohmann::json session_runtime(Context& ctx, store::JobStore& store, bool with_identity = false);

// Text lines describing an identity (codex home, executable, provider variables set; never a
// value), each "<indent>- <what>: <value>\n".
std::string describe_identity(const nlohmann::json& identity, const std::string& indent = "");

// After a job that ended broker-lost: whoever finds its broker dead tears it down now, ending
// what is left of its app-server's session (waits up to 1 s for the broker to be gone).
void after_broker_lost(store::JobStore& store, const codex::Connector& connector, bool broker_lost);

}  // namespace companion::cli
