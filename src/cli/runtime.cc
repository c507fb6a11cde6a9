#include "cli/runtime.h"

#include <fmt/format.h>

#include "broker/lifecycle.h"
#include "jobs/launch.h"
#include "sys/json_read.h"

namespace companion::cli {

namespace {

constexpr int64_t kHealthMs = 150;

bool forced_direct(const Context& ctx) {
  return ctx.config.runtime && *ctx.config.runtime == "direct";
}

nlohmann::json shared_runtime(const std::string& endpoint, const nlohmann::json& ping) {
  nlohmann::json out = {{"mode", "shared"}, {"endpoint", endpoint}};
  auto pid = sys::json_int(ping, "pid");
  auto clients = sys::json_int(ping, "clients").value_or(0);
  auto turns = sys::json_int(ping, "activeTurns").value_or(0);
  // The label is the reference plugin's (scripts match `Session runtime: shared session`).
  out["label"] = "shared session";
  out["detail"] = fmt::format(
      "Jobs of this workspace share one Codex app-server through the broker at {}{} ({} clients, "
      "{} active turns).",
      endpoint, pid ? fmt::format(", pid {}", *pid) : std::string(), clients, turns);
  out["pid"] = pid ? nlohmann::json(*pid) : nlohmann::json(nullptr);
  out["clients"] = clients;
  out["activeTurns"] = turns;
  return out;
}

}  // namespace

codex::Connector job_connector(Context& ctx, store::JobStore& store) {
  if (forced_direct(ctx)) return codex::Connector::direct();
  if (ctx.config.app_server_endpoint) {
    return codex::Connector::broker(*ctx.config.app_server_endpoint);
  }
  broker::LaunchOptions options;
  auto exe = jobs::self_executable();
  if (!exe) {
    print_note("codex-companion: note: " + exe.error().message + "; using a direct app-server\n");
    return codex::Connector::direct();
  }
  options.executable = *exe;
  options.workspace_root = store.workspace().root;
  auto session = broker::ensure_broker(store, options);
  if (!session) {
    print_note("codex-companion: note: no shared Codex broker (" + session.error().message +
               "); using a direct app-server\n");
    return codex::Connector::direct();
  }
  return codex::Connector::broker(session->endpoint);
}

codex::Connector existing_broker_connector(Context& ctx, store::JobStore& store) {
  if (forced_direct(ctx)) return codex::Connector::direct();
  if (ctx.config.app_server_endpoint) {
    return codex::Connector::broker(*ctx.config.app_server_endpoint);
  }
  if (auto healthy = broker::healthy_broker(store, kHealthMs)) {
    return codex::Connector::broker(healthy->first.endpoint);
  }
  return codex::Connector::direct();
}

nlohmann::json session_runtime(Context& ctx, store::JobStore& store) {
  if (forced_direct(ctx)) {
    return {{"mode", "direct"},
            {"label", "direct startup"},
            {"detail",
             "CODEX_COMPANION_RUNTIME=direct: every job starts its own Codex app-server and stops "
             "it when it ends."},
            {"endpoint", nullptr}};
  }
  if (ctx.config.app_server_endpoint) {
    const std::string& endpoint = *ctx.config.app_server_endpoint;
    auto ping = broker::ping(endpoint, kHealthMs);
    nlohmann::json out = shared_runtime(endpoint, ping ? *ping : nlohmann::json::object());
    if (!ping)
      out["detail"] =
          "CODEX_COMPANION_APP_SERVER_ENDPOINT names a broker that does not "
          "answer (" +
          ping.error().message + ")";
    return out;
  }
  if (auto healthy = broker::healthy_broker(store, kHealthMs)) {
    return shared_runtime(healthy->first.endpoint, healthy->second);
  }
  return {{"mode", "direct"},
          {"label", "direct startup"},
          {"detail",
           "No shared Codex broker is running for this workspace yet; the next job starts one."},
          {"endpoint", nullptr}};
}

}  // namespace companion::cli
