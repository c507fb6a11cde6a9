// Fuzz target: codex::TurnCapture (codex/turn_capture.h) fed sequences of app-server
// notifications.
//
// Input: text, one step per line.
//   - An optional first line {"rootThreadId", "turnId", "setTurnIdAt"}: the turn to follow and
//     how many notifications arrive before the turn/start response (buffered until then).
//   - A line that is a JSON object with a string "method" is fed as it is (the recorded real
//     traces in corpus/turn_capture are such lines, see make_seeds.py), parsed as the JSON-RPC
//     layer must parse it: with sys::parse_json's nesting bound (see README.md, "Open findings").
//   - "!grace" fires the caller's grace timer; "!track ID" calls track_thread(ID).
//   - Any other line is decoded into a notification (notification_gen.h): a method of the real
//     set, params with the real fields, any of them absent or of another type, ids from a small
//     pool so that they meet, sometimes repeated many times or with huge texts (the caps).
// Invariants: nothing throws or crashes; grace_ms() is unset, kInferredGraceMs or kErrorGraceMs,
// unset once finished; a fired grace finishes the turn; a finished turn stays as it is; nothing
// is reported before the turn id is known; phases and statuses are enumerators (a name in
// base/turn_types.h); the token tally never goes negative; the result keeps the root thread and
// turn ids and every text and list within the kMax* caps.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/turn_types.h"
#include "codex/turn_capture.h"
#include "fuzz_check.h"
#include "notification_gen.h"
#include "sys/json_read.h"

namespace {

using companion::codex::ProgressEvent;
using companion::codex::TurnCapture;
using companion::codex::TurnResult;
using nlohmann::json;

constexpr size_t kMaxSmallText = 64 * 1024;  // reasoning and command texts (turn_capture.cc)
constexpr size_t kMaxPath = 4096;

struct Run {
  explicit Run(const companion::fuzz::IdPool& pool, size_t input_size)
      : ids(pool), capture(pool.root_thread), line_bound(1024 + input_size) {}

  const companion::fuzz::IdPool& ids;
  TurnCapture capture;
  size_t line_bound;
  size_t fed = 0;
  size_t set_turn_id_at = 0;
  bool turn_id_set = false;
  std::optional<companion::TurnStatus> final_status;  // the status when it finished
};

void check_events(const Run& run, const std::vector<ProgressEvent>& events) {
  for (const auto& e : events) {
    FUZZ_CHECK(!e.line.empty(), "a progress event has a line");
    FUZZ_CHECK(e.line.size() <= run.line_bound, "a progress line stays bounded");
    FUZZ_CHECK(!e.phase || !companion::to_string(*e.phase).empty(),
               "a reported phase is a job phase");
  }
}

// The checks that need no copy of the result, after every step.
void check_state(const Run& run) {
  const TurnCapture& c = run.capture;
  auto grace = c.grace_ms();
  FUZZ_CHECK(
      !grace || *grace == TurnCapture::kInferredGraceMs || *grace == TurnCapture::kErrorGraceMs,
      "grace_ms is one of the two graces");
  FUZZ_CHECK(!(c.finished() && grace), "no grace once finished");
  FUZZ_CHECK(!c.phase() || !companion::to_string(*c.phase()).empty(), "phase is a job phase");
  FUZZ_CHECK(!run.turn_id_set || !c.active_turn_id().empty(), "an active turn is known");
}

void check_result(const Run& run) {
  check_state(run);
  const TurnCapture& c = run.capture;
  TurnResult r = c.result();
  FUZZ_CHECK(!r.status || !companion::to_string(*r.status).empty(), "status is a turn status");
  FUZZ_CHECK(!r.status == !c.finished(), "finished() matches the status");
  FUZZ_CHECK(!r.inferred || c.finished(), "an inferred completion is finished");
  FUZZ_CHECK(r.thread_id == run.ids.root_thread, "the root thread is kept");
  FUZZ_CHECK(r.turn_id == (run.turn_id_set ? run.ids.turn : ""), "the turn id is the one set");
  FUZZ_CHECK(r.final_message.size() <= TurnCapture::kMaxTextBytes, "final message capped");
  FUZZ_CHECK(r.review_text.size() <= TurnCapture::kMaxTextBytes, "review text capped");
  FUZZ_CHECK(r.error_message.size() <= TurnCapture::kMaxTextBytes, "error message capped");
  FUZZ_CHECK(r.reasoning_summary.size() <= TurnCapture::kMaxItems, "reasoning list capped");
  for (const auto& s : r.reasoning_summary) FUZZ_CHECK(s.size() <= kMaxSmallText, "reasoning");
  FUZZ_CHECK(r.touched_files.size() <= TurnCapture::kMaxItems, "touched files capped");
  for (const auto& f : r.touched_files) FUZZ_CHECK(f.size() <= kMaxPath, "touched file capped");
  FUZZ_CHECK(r.commands.size() <= TurnCapture::kMaxItems, "commands capped");
  for (const auto& cmd : r.commands) FUZZ_CHECK(cmd.command.size() <= kMaxSmallText, "command");
  if (run.final_status) FUZZ_CHECK(r.status == run.final_status, "one terminal state");
}

// `full`: also check the whole result (a copy of everything captured, so not after each of
// many repetitions).
void after_step(Run& run, const std::vector<ProgressEvent>& events, bool full = true) {
  check_events(run, events);
  if (auto usage = run.capture.take_token_usage()) {
    const auto& job = usage->job;
    FUZZ_CHECK(job.input >= 0 && job.cached_input >= 0 && job.output >= 0 &&
                   job.reasoning_output >= 0 && job.total >= 0,
               "token counts are never negative");
  }
  bool just_finished = run.capture.finished() && !run.final_status;
  if (full || just_finished) {
    check_result(run);
  } else {
    check_state(run);
  }
  if (just_finished) run.final_status = run.capture.result().status;
}

void fire_grace(Run& run) {
  bool due = run.capture.grace_ms().has_value();
  std::optional<companion::Phase> phase_before = run.capture.phase();
  auto events = run.capture.on_grace_expired();
  if (due) {
    FUZZ_CHECK(run.capture.finished(), "a fired grace ends the turn");
  } else {
    FUZZ_CHECK(events.empty() && run.capture.phase() == phase_before, "no grace, no effect");
  }
  after_step(run, events);
}

void set_turn_id(Run& run) {
  if (run.turn_id_set) return;
  run.turn_id_set = true;
  after_step(run, run.capture.set_turn_id(run.ids.turn));
}

void feed(Run& run, const std::string& method, const json& params, bool full = true) {
  if (run.fed == run.set_turn_id_at) set_turn_id(run);
  ++run.fed;
  bool was_finished = run.capture.finished();
  auto events = run.capture.on_notification(method, params);
  if (!run.turn_id_set) FUZZ_CHECK(events.empty(), "nothing is reported before the turn id");
  if (was_finished) FUZZ_CHECK(events.empty(), "a finished turn ignores notifications");
  after_step(run, events, full);
}

// One line of the input.
void step(Run& run, std::string_view line) {
  if (line == "!grace") return fire_grace(run);
  if (line.substr(0, 7) == "!track ") {
    run.capture.track_thread(std::string(line.substr(7)));
    return check_result(run);
  }
  // As the JSON-RPC layer hands them over: parsed with the nesting bound (sys::parse_json).
  json note = companion::sys::parse_json(line);
  if (auto method = companion::sys::json_string(note, "method")) {
    return feed(run, *method, companion::sys::json_value(note, "params"));
  }
  companion::fuzz::NotificationGen gen(line, run.ids);
  auto generated = gen.notification();
  for (size_t i = 0; i < generated.repeat; ++i) {
    feed(run, generated.method, companion::fuzz::NotificationGen::vary(generated.params, i),
         i + 1 == generated.repeat);
  }
  if (generated.fire_grace) fire_grace(run);
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end == text.npos ? text.size() : end + 1);
  }
  return lines;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines = split_lines(text);
  companion::fuzz::IdPool ids;
  size_t first = 0;
  size_t set_at = 0;
  if (!lines.empty()) {
    json header = json::parse(lines[0], nullptr, /*allow_exceptions=*/false);
    if (auto root = companion::sys::json_string(header, "rootThreadId"); root && !root->empty()) {
      ids.root_thread = *root;
      if (auto turn = companion::sys::json_string(header, "turnId"); turn && !turn->empty()) {
        ids.turn = *turn;
      }
      set_at = static_cast<size_t>(
          std::max<int64_t>(0, companion::sys::json_int(header, "setTurnIdAt").value_or(0)));
      first = 1;
    }
  }
  Run run(ids, size);
  run.set_turn_id_at = set_at;
  for (size_t i = first; i < lines.size(); ++i) step(run, lines[i]);
  set_turn_id(run);
  // The caller's timer fires at last when a grace is still asked for.
  if (run.capture.grace_ms()) fire_grace(run);
  return 0;
}
