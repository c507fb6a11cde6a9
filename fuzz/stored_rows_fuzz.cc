// Fuzz target: the tolerant JSON readers (sys/json_read.h) and the readers of stored rows: a job's
// request (jobs/request.h request_from_json), its snapshot and the status texts built from a Job
// with arbitrary request/result JSON (render/status.h).
//
// Input: any bytes, read as the store reads a JSON column: sys::parse_json (nlohmann's parser
// with allow_exceptions=false and a nesting bound); what is not JSON is used as a JSON string. The
// job's fields are read from the value's members: id, kind, status, phase, endReason, times
// (createdAt, startedAt, updatedAt, completedAt, now: any int64), request, result, rendered, log
// (the log's tail). Invariants: nothing throws or crashes; the accessors agree with the value (a
// field reads as present exactly when it is there with that type); a request that reads back writes
// and reads back the same; every renderer returns text for any report, job or snapshot.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "jobs/request.h"
#include "render/status.h"
#include "store/job.h"
#include "sys/env.h"
#include "sys/json_read.h"

namespace {

using nlohmann::json;
namespace sys = companion::sys;
namespace store = companion::store;

// Serves the log's tail from the input; nothing else is used by job_snapshot.
class LogTailEnv : public sys::EnvWrapper {
 public:
  explicit LogTailEnv(std::string tail) : EnvWrapper(sys::default_env()), tail_(std::move(tail)) {}
  companion::Result<std::string> read_tail(const std::string& /*path*/, size_t max_bytes) override {
    return tail_.size() <= max_bytes ? tail_ : tail_.substr(tail_.size() - max_bytes);
  }

 private:
  std::string tail_;
};

void check_accessors(const json& value, const std::string& key) {
  const json* field = sys::json_field(value, key);
  FUZZ_CHECK((field != nullptr) == (value.is_object() && value.contains(key)), "json_field");
  FUZZ_CHECK(sys::json_string(value, key).has_value() == (field && field->is_string()),
             "json_string");
  FUZZ_CHECK(sys::json_bool(value, key).has_value() == (field && field->is_boolean()), "json_bool");
  if (sys::json_int(value, key)) FUZZ_CHECK(field && field->is_number_integer(), "json_int");
  FUZZ_CHECK(sys::json_object(value, key).is_object(), "json_object is an object");
  auto strings = sys::json_strings(value, key);
  FUZZ_CHECK(strings.empty() || (field && field->is_array() && strings.size() <= field->size()),
             "json_strings");
  FUZZ_CHECK(sys::json_value(value, key) == (field ? *field : json()), "json_value");
  (void)sys::json_text(value, key);
}

// Every accessor on the value's own keys and a few well-known ones, then on nested values.
void read_everything(const json& value, int depth, size_t& budget) {
  static const char* const kKeys[] = {"id", "status", "request", "result", "", "threadId"};
  for (const char* key : kKeys) check_accessors(value, key);
  if (!value.is_structured() || depth == 0) return;
  for (const auto& [key, member] : value.items()) {
    if (budget == 0) return;
    --budget;
    check_accessors(value, key);
    read_everything(member, depth - 1, budget);
  }
}

void read_request(const json& value) {
  auto request = companion::jobs::request_from_json(value);
  if (!request) {
    FUZZ_CHECK(!request.error().message.empty(), "an unreadable request says why");
    return;
  }
  (void)companion::jobs::job_title(*request);
  (void)companion::jobs::job_summary(*request);
  (void)companion::jobs::target_label(*request);
  (void)companion::jobs::to_turn_spec(*request, {});
  json written = companion::jobs::to_json(*request);
  auto again = companion::jobs::request_from_json(written);
  FUZZ_CHECK(again.ok(), "a written request reads back");
  FUZZ_CHECK(companion::jobs::to_json(*again) == written, "a request round-trips");
}

template <class Enum>
Enum pick_enum(const json& value, const char* key, std::optional<Enum> (*parse)(std::string_view),
               Enum fallback) {
  return parse(sys::json_text(value, key)).value_or(fallback);
}

store::Job job_from(const json& row) {
  store::Job job;
  job.id = sys::json_text(row, "id");
  job.kind = pick_enum(row, "kind", store::parse_job_kind, store::JobKind::kTask);
  job.title = sys::json_text(row, "title");
  job.summary = sys::json_text(row, "summary");
  job.status = pick_enum(row, "status", store::parse_job_status, store::JobStatus::kFailed);
  job.phase = pick_enum(row, "phase", store::parse_phase, store::Phase::kRunning);
  if (auto reason = store::parse_end_reason(sys::json_text(row, "endReason"))) {
    job.end_reason = reason;
  }
  job.thread_id = sys::json_text(row, "threadId");
  job.pid = sys::json_int(row, "pid").value_or(0);
  job.created_at = sys::json_int(row, "createdAt").value_or(0);
  job.started_at = sys::json_int(row, "startedAt").value_or(0);
  job.updated_at = sys::json_int(row, "updatedAt").value_or(0);
  job.completed_at = sys::json_int(row, "completedAt").value_or(0);
  job.error_message = sys::json_text(row, "errorMessage");
  job.log_file = sys::json_text(row, "logFile");
  job.request = sys::json_value(row, "request");
  job.result = sys::json_value(row, "result");
  job.rendered = sys::json_text(row, "rendered");
  return job;
}

void render_job(const json& row) {
  store::Job job = job_from(row);
  LogTailEnv env(sys::json_text(row, "log"));
  int64_t now = sys::json_int(row, "now").value_or(1795000000000);
  json snapshot = companion::render::job_snapshot(env, job, now);
  FUZZ_CHECK(snapshot.is_object(), "a snapshot is an object");
  FUZZ_CHECK(!companion::render::render_job_status(snapshot).empty(), "job status text");
  json report = {{"workspaceRoot", job.workspace_root},
                 {"config", json::object()},
                 {"sessionRuntime", {{"label", "direct"}}},
                 {"running", json::array({snapshot})},
                 {"latestFinished", snapshot},
                 {"recent", json::array({snapshot})},
                 {"needsReview", false}};
  FUZZ_CHECK(!companion::render::render_status_report(report).empty(), "status report text");
  FUZZ_CHECK(!companion::render::render_stored_result(job).empty(), "stored result text");
  FUZZ_CHECK(!companion::render::render_cancel_report(snapshot, true, false).empty(), "cancel");
  (void)snapshot.dump(-1, ' ', false, json::error_handler_t::replace);
  read_request(job.request);
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // As the store reads a column (store/schema.cc): sys::parse_json (nlohmann's parser without
  // exceptions, nesting bounded), and what is not such JSON is the column's text.
  json value = sys::parse_json(text);
  if (value.is_discarded()) value = json(std::move(text));
  size_t budget = 256;
  read_everything(value, 4, budget);
  read_request(value);
  render_job(value);
  // The renderers also take reports and jobs that no code of ours built.
  (void)companion::render::render_status_report(value);
  (void)companion::render::render_job_status(value);
  (void)companion::render::render_cancel_report(value, false, false);
  return 0;
}
