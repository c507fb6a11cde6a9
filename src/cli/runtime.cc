#include "cli/runtime.h"

#include <fmt/format.h>

#include "broker/lifecycle.h"
#include "broker/socket_dir.h"
#include "codex/identity.h"
#include "codex/sandbox_places.h"
#include "jobs/launch.h"
#include "sys/fs.h"
#include "sys/json_read.h"

namespace companion::cli {

namespace {

constexpr int64_t kHealthMs = 150;
// A broker named by CODEX_COMPANION_APP_SERVER_ENDPOINT must say which Codex it runs first.
constexpr int64_t kEndpointCheckMs = 1000;
constexpr int64_t kLostBrokerWaitMs = 1000;

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
      "Jobs of this workspace that run this Codex share one Codex app-server through the broker "
      "at {}{} ({} clients, {} active turns).",
      endpoint, pid ? fmt::format(", pid {}", *pid) : std::string(), clients, turns);
  out["pid"] = pid ? nlohmann::json(*pid) : nlohmann::json(nullptr);
  out["clients"] = clients;
  out["activeTurns"] = turns;
  out["codexVersion"] = sys::json_value(ping, "codexVersion");
  return out;
}

nlohmann::json direct_runtime(const std::string& detail) {
  return {
      {"mode", "direct"}, {"label", "direct startup"}, {"detail", detail}, {"endpoint", nullptr}};
}

// Where a sandboxed task may write, for this run's workspace (its Codex configuration included).
std::vector<sys::WritablePlace> writable_places(Context& ctx, store::JobStore& store) {
  return codex::task_writable_places(ctx.config, store.workspace().root, ctx.env);
}

// CODEX_COMPANION_APP_SERVER_ENDPOINT's socket directory must pass broker::check_socket_dir.
Status endpoint_placement(sys::Env& env, const std::string& endpoint,
                          const std::vector<sys::WritablePlace>& places) {
  constexpr std::string_view kUnix = "unix:";
  if (!endpoint.starts_with(kUnix) || endpoint.size() <= kUnix.size() ||
      endpoint[kUnix.size()] != '/') {
    return {};  // not a unix socket path: connecting says what is wrong with it
  }
  const std::string dir = sys::dirname_of(endpoint.substr(kUnix.size()));
  if (Status placed = broker::check_socket_dir(env, dir, places); !placed.ok()) {
    return make_error("CODEX_COMPANION_APP_SERVER_ENDPOINT: {}", placed.error().message);
  }
  return {};
}

// The broker named by CODEX_COMPANION_APP_SERVER_ENDPOINT, when it may serve a run of
// `identity`; otherwise why not. Its socket must not be where a task may write: whatever
// listens there may not be a broker at all.
Result<nlohmann::json> named_broker(sys::Env& env, const std::string& endpoint,
                                    const nlohmann::json& identity,
                                    const std::vector<sys::WritablePlace>& places) {
  COMPANION_TRY(endpoint_placement(env, endpoint, places));
  auto answer = broker::ping(endpoint, kEndpointCheckMs);
  if (!answer) {
    return make_error(
        "CODEX_COMPANION_APP_SERVER_ENDPOINT names a broker that does not answer ({})",
        answer.error().message);
  }
  if (std::string why = broker::identity_mismatch(identity, *answer); !why.empty()) {
    return make_error(
        "the broker at CODEX_COMPANION_APP_SERVER_ENDPOINT ({}) serves another Codex than this "
        "run ({})",
        endpoint, why);
  }
  return std::move(*answer);
}

}  // namespace

nlohmann::json run_identity(Context& ctx, store::JobStore& store,
                            const codex::CodexCommand& codex) {
  return codex::to_json(codex::codex_identity(store.workspace().root, ctx.config, codex, ctx.env));
}

Result<nlohmann::json> run_identity(Context& ctx, store::JobStore& store) {
  auto codex = codex::resolve_codex(ctx.env, ctx.config);
  if (!codex) return codex.error();
  return run_identity(ctx, store, *codex);
}

codex::Connector job_connector(Context& ctx, store::JobStore& store,
                               const codex::CodexCommand& codex) {
  if (forced_direct(ctx)) return codex::Connector::direct();
  const nlohmann::json identity = run_identity(ctx, store, codex);
  const auto places = writable_places(ctx, store);
  if (ctx.config.app_server_endpoint) {
    auto named = named_broker(ctx.env, *ctx.config.app_server_endpoint, identity, places);
    if (!named) {
      print_note("codex-companion: note: " + named.error().message +
                 "; using a direct app-server\n");
      return codex::Connector::direct();
    }
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
  options.identity = identity;
  options.socket_parents = broker::socket_parents(ctx.config);
  options.task_writable = places;
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
  auto identity = run_identity(ctx, store);
  if (!identity) return codex::Connector::direct();
  const auto places = writable_places(ctx, store);
  if (ctx.config.app_server_endpoint) {
    if (!named_broker(ctx.env, *ctx.config.app_server_endpoint, *identity, places)) {
      return codex::Connector::direct();
    }
    return codex::Connector::broker(*ctx.config.app_server_endpoint);
  }
  if (auto healthy = broker::healthy_broker(store, *identity, kHealthMs, places)) {
    return codex::Connector::broker(healthy->first.endpoint);
  }
  return codex::Connector::direct();
}

nlohmann::json session_runtime(Context& ctx, store::JobStore& store, bool with_identity) {
  if (forced_direct(ctx)) {
    return direct_runtime(
        "CODEX_COMPANION_RUNTIME=direct: every job starts its own Codex app-server and stops it "
        "when it ends.");
  }
  auto recorded = store.broker_sessions();
  const size_t brokers = recorded ? recorded->size() : 0;
  if (!with_identity && brokers == 0 && !ctx.config.app_server_endpoint) {
    return direct_runtime(
        "No shared Codex broker is running for this workspace yet; the next job starts one.");
  }
  auto identity = run_identity(ctx, store);
  nlohmann::json out;
  if (ctx.config.app_server_endpoint) {
    const std::string& endpoint = *ctx.config.app_server_endpoint;
    // Never asked when it is where a task may write (named_broker says why).
    Status placed = endpoint_placement(ctx.env, endpoint, writable_places(ctx, store));
    Result<nlohmann::json> ping =
        placed.ok() ? broker::ping(endpoint, kHealthMs) : Result<nlohmann::json>(placed.error());
    out = shared_runtime(endpoint, ping ? *ping : nlohmann::json::object());
    std::string why = !ping      ? "it does not answer (" + ping.error().message + ")"
                      : identity ? broker::identity_mismatch(*identity, *ping)
                                 : identity.error().message;
    if (!why.empty()) {
      out["detail"] =
          "CODEX_COMPANION_APP_SERVER_ENDPOINT names a broker that cannot serve this "
          "run: " +
          why + "; its jobs use a direct app-server";
    }
  } else if (!identity) {
    return direct_runtime("No broker can serve this run: " + identity.error().message);
  } else if (auto healthy =
                 broker::healthy_broker(store, *identity, kHealthMs, writable_places(ctx, store))) {
    out = shared_runtime(healthy->first.endpoint, healthy->second);
  } else {
    out = direct_runtime(fmt::format(
        "No shared Codex broker is running for this run's Codex yet; the next job starts one{}.",
        brokers == 0
            ? std::string()
            : fmt::format(" ({} broker(s) of this workspace serve another Codex)", brokers)));
  }
  if (identity) out["identity"] = *identity;
  return out;
}

std::string describe_identity(const nlohmann::json& identity, const std::string& indent) {
  const nlohmann::json& codex = sys::json_object(identity, "codex");
  std::string program = sys::json_text(codex, "path");
  if (auto launcher = sys::json_string(codex, "launcher")) {
    program += " (for the npm launcher " + *launcher + ")";
  }
  auto set = sys::json_strings(sys::json_object(identity, "variables"), "set");
  std::string variables = set.empty()
                              ? std::string("none")
                              : fmt::format("{} (values never shown)", fmt::join(set, ", "));
  return fmt::format(
      "{0}- codex identity: {1}\n{0}- codex home: {2} ({3})\n{0}- codex: {4}\n"
      "{0}- provider variables set: {5}\n",
      indent, sys::json_text(identity, "key"), sys::json_text(identity, "codexHome"),
      sys::json_text(identity, "codexHomeFrom"), program, variables);
}

void after_broker_lost(store::JobStore& store, const codex::Connector& connector,
                       bool broker_lost) {
  if (!broker_lost || connector.broker_endpoint.empty()) return;
  broker::tear_down_lost_broker(store, connector.broker_endpoint, kLostBrokerWaitMs);
}

}  // namespace companion::cli
