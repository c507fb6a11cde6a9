// Notifications per second through TurnCapture: replays of the recorded codex traces (when
// COMPANION_TESTDATA_DIR is defined) and a synthetic long turn.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <fstream>
#include <string>
#include <vector>

#include "codex/turn_capture.h"

namespace companion::codex {
namespace {

using nlohmann::json;

struct Note {
  std::string method;
  json params;
};

struct Trace {
  std::string root, turn;
  std::vector<Note> notes;
};

#ifdef COMPANION_TESTDATA_DIR
Trace load(const std::string& name) {
  std::string dir = COMPANION_TESTDATA_DIR;
  Trace t;
  std::ifstream index_file(dir + "/index.json");
  json index = json::parse(index_file, nullptr, false);
  if (index.is_array()) {
    for (const json& e : index) {
      if (e.value("name", "") != name) continue;
      t.root = e.value("rootThreadId", "");
      t.turn = e.value("turnId", "");
    }
  }
  std::ifstream lines(dir + "/" + name + ".jsonl");
  for (std::string line; std::getline(lines, line);) {
    json n = json::parse(line, nullptr, false);
    if (n.is_object() && !n.contains("id")) t.notes.push_back({n.value("method", ""), n["params"]});
  }
  return t;
}
#endif

// A long turn: reasoning, many commands (half of them verification), file changes, deltas and
// unrelated traffic, then the final answer and turn/completed.
Trace synthetic(int commands) {
  Trace t{"thread-root", "turn-1", {}};
  auto item = [&](const char* method, json it) {
    t.notes.push_back({method, {{"threadId", t.root}, {"turnId", t.turn}, {"item", it}}});
  };
  t.notes.push_back({"turn/started", {{"threadId", t.root}, {"turn", {{"id", t.turn}}}}});
  for (int i = 0; i < commands; ++i) {
    std::string id = fmt::format("c{}", i);
    std::string cmd = i % 2 ? "/bin/bash -lc 'pytest -q tests/test_" + id + ".py'"
                            : "/bin/bash -lc 'rg -n needle src/" + id + "'";
    json c = {{"type", "commandExecution"}, {"id", id}, {"command", cmd}, {"status", "inProgress"}};
    item("item/started", c);
    t.notes.push_back({"item/commandExecution/outputDelta",
                       {{"threadId", t.root}, {"turnId", t.turn}, {"delta", "output line\n"}}});
    c["status"] = "completed";
    c["exitCode"] = 0;
    item("item/completed", c);
    item(
        "item/completed",
        {{"type", "reasoning"}, {"id", "r" + id}, {"summary", {"Step " + std::to_string(i % 50)}}});
    t.notes.push_back({"account/rateLimits/updated", {{"rateLimits", json::object()}}});
  }
  item("item/completed",
       {{"type", "agentMessage"}, {"id", "m"}, {"text", "done"}, {"phase", "final_answer"}});
  t.notes.push_back({"turn/completed",
                     {{"threadId", t.root}, {"turn", {{"id", t.turn}, {"status", "completed"}}}}});
  return t;
}

void replay(benchmark::State& state, const Trace& t) {
  if (t.notes.empty()) {
    state.SkipWithError("empty trace");
    return;
  }
  for (auto _ : state) {
    TurnCapture capture(t.root);
    capture.set_turn_id(t.turn);
    size_t events = 0;
    for (const Note& n : t.notes) events += capture.on_notification(n.method, n.params).size();
    benchmark::DoNotOptimize(events);
    benchmark::DoNotOptimize(capture.result());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * t.notes.size()));
}

// NOLINTNEXTLINE(readability-identifier-naming): Google Benchmark BM_ name, shown in reports
void BM_SyntheticTurn(benchmark::State& state) {
  static const Trace kTrace = synthetic(static_cast<int>(state.range(0)));
  replay(state, kTrace);
}
BENCHMARK(BM_SyntheticTurn)->Arg(500);

#ifdef COMPANION_TESTDATA_DIR
// NOLINTNEXTLINE(readability-identifier-naming): Google Benchmark BM_ name, shown in reports
void BM_RecordedSubagentTrace(benchmark::State& state) {
  static const Trace kTrace = load("subagent");
  replay(state, kTrace);
}
BENCHMARK(BM_RecordedSubagentTrace);

// NOLINTNEXTLINE(readability-identifier-naming): Google Benchmark BM_ name, shown in reports
void BM_RecordedShellTrace(benchmark::State& state) {
  static const Trace kTrace = load("shell");
  replay(state, kTrace);
}
BENCHMARK(BM_RecordedShellTrace);
#endif

}  // namespace
}  // namespace companion::codex

BENCHMARK_MAIN();
