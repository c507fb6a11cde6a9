// How a client reaches a Codex app-server: through the workspace's broker (broker/daemon.h) or a
// child of its own. Asio-free; used by run_turn() and probe_account().
#pragma once

#include <string>
#include <utility>

namespace companion::codex {

struct Connector {
  std::string broker_endpoint;  // "unix:<path>" of a broker; empty: a direct app-server
  bool direct_fallback = true;  // a broker failing before the turn is requested -> direct
  static Connector direct() { return {}; }
  static Connector broker(std::string endpoint, bool fallback = true) {
    return {std::move(endpoint), fallback};
  }
};

}  // namespace companion::codex
