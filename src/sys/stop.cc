#include "sys/stop.h"

#include <signal.h>

#include <atomic>

namespace companion::sys {

namespace {

std::atomic<bool> g_stop{false};

void record_stop(int /*signal*/) {
  g_stop.store(true);
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = record_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() {
  return g_stop.load();
}

}  // namespace companion::sys
