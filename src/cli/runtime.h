// How this command's jobs reach Codex (SPEC.md guarantee 4, sections 1 and 4): the shared broker
// of the workspace by default, a direct app-server otherwise.
#pragma once

#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "codex/connector.h"
#include "store/job_store.h"

namespace companion::cli {

// The connector for a job run by this process, in this order:
//   CODEX_COMPANION_RUNTIME=direct                 -> a direct app-server;
//   CODEX_COMPANION_APP_SERVER_ENDPOINT            -> that broker;
//   the workspace's broker (recorded and answering, else started: broker/lifecycle.h);
//   a direct app-server when no broker could be had (a note on stderr says why).
// A broker connector always falls back to a direct app-server when the broker fails before the
// turn was requested (codex/run_turn.h).
codex::Connector job_connector(Context& ctx, store::JobStore& store);

// The connector for a question that should not start a broker (setup's sign-in check): the
// configured or running broker, else a direct app-server.
codex::Connector existing_broker_connector(Context& ctx, store::JobStore& store);

// `sessionRuntime` of status and setup: {mode: shared|direct, label, detail, endpoint} plus,
// for a running broker, {pid, clients, activeTurns}. Asks the broker (bounded: 150 ms).
nlohmann::json session_runtime(Context& ctx, store::JobStore& store);

}  // namespace companion::cli
