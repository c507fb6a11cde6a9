// Fuzz target: what the hooks read from outside (src/hooks/): the JSON Claude Code sends a hook
// on stdin (hook_input.h), and what is built from it: the SessionStart exports and their rewrite of
// the env file (session_env.h), the stop gate's reading of Codex's answer and its decision
// (stop_gate.h), the completion notices (notices.h); and Codex's session-import answers and ledger
// (codex/session_import.h), any JSON.
//
// Input: the hook's stdin. Its fields then feed the rest: last_assistant_message is Codex's
// answer to the gate, prompt a template and an error message, reason a job status. The corpus
// holds real hook inputs of Claude Code 2.1.332 (corpus/hook_input/real_*, recorded with
// record_hook_inputs.py).
// Invariants: nothing throws or crashes; a parsed input keeps its identifiers and paths bounded,
// on one line and (paths) absolute; the exports, read back by a POSIX shell's rules
// (cli::split_raw_arguments), give exactly the values written; a verdict is read only from the
// first line; texts for Claude stay bounded; every note for stderr is one line.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/args.h"
#include "codex/session_import.h"
#include "fuzz_check.h"
#include "hooks/hook_input.h"
#include "hooks/notices.h"
#include "hooks/session_env.h"
#include "hooks/stop_gate.h"
#include "store/job.h"
#include "sys/json_read.h"
#include "sys/text.h"

namespace {

namespace hooks = companion::hooks;
namespace store = companion::store;
using nlohmann::json;

bool one_line(const std::string& text) {
  return text.find('\n') == std::string::npos && text.find('\r') == std::string::npos;
}

void check_name(const std::string& value, size_t max_bytes, bool path) {
  FUZZ_CHECK(value.size() <= max_bytes, "an identifier or path is bounded");
  for (char c : value) {
    FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, "no control character");
  }
  if (path) FUZZ_CHECK(value.empty() || value[0] == '/', "a path is absolute");
}

void check_exports(const hooks::HookInput& input) {
  std::string exports = hooks::session_exports(input);
  std::vector<std::string> expected;
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    expected.emplace_back("export");
    expected.push_back(std::string(name) + "=" + value);
  };
  add("CODEX_COMPANION_SESSION_ID", input.session_id);
  add("CODEX_COMPANION_TRANSCRIPT_PATH", input.transcript_path);
  auto words = companion::cli::split_raw_arguments(exports);
  FUZZ_CHECK(words.ok(), "the exports are valid shell words");
  FUZZ_CHECK(*words == expected, "a shell reads back exactly the values exported");
}

// The env file's rewrite: another file's bytes around our lines, any number of starts.
void check_env_file(const hooks::HookInput& input, const std::string& file,
                    const std::string& plugin_data) {
  std::string exports = hooks::session_exports(input);
  auto retired = hooks::retired_export_lines(plugin_data);
  std::string once = hooks::with_session_exports(file, exports, retired);
  if (once.find(exports) == std::string::npos) {
    FUZZ_CHECK(once == file && hooks::ends_inside_statement(file),
               "our lines are in the file, unless it ends inside a statement and is left alone");
  }
  FUZZ_CHECK(hooks::with_session_exports(once, exports, retired) == once,
             "a second start changes nothing: the file does not grow");
  if (!file.empty() && once.size() > exports.size()) {
    FUZZ_CHECK(once.size() <= file.size() + exports.size() + 1, "only our lines are added");
  }
}

void check_gate(const std::string& answer_text, const std::string& template_text) {
  hooks::GateAnswer answer = hooks::parse_gate_answer(answer_text);
  std::string_view first = companion::sys::trim(answer_text);
  first = first.substr(0, first.find('\n'));
  if (answer.kind != hooks::GateAnswer::Kind::kUnusable) {
    const char* word = answer.kind == hooks::GateAnswer::Kind::kBlock ? "BLOCK" : "ALLOW";
    FUZZ_CHECK(first.find(word) != std::string_view::npos, "the verdict is on the first line");
    FUZZ_CHECK(companion::sys::trim(answer.text) == answer.text, "the verdict's text is trimmed");
  }
  std::string reason = hooks::block_reason(answer.text);
  FUZZ_CHECK(reason.size() <= hooks::kMaxFindingBytes + 1024, "the block reason is bounded");
  std::string prompt = hooks::stop_gate_prompt(template_text, answer_text);
  FUZZ_CHECK(prompt.size() <= template_text.size() + hooks::kMaxClaudeMessageBytes + 1024,
             "the gate's prompt is bounded");
}

store::Job job_from(const hooks::HookInput& input) {
  store::Job job;
  job.id = input.session_id;
  job.kind = input.stop_hook_active ? store::JobKind::kReview : store::JobKind::kTask;
  job.status = store::parse_job_status(input.reason).value_or(store::JobStatus::kCompleted);
  job.error_message = input.prompt;
  job.summary = input.last_assistant_message;
  return job;
}

void check_notes(const hooks::HookInput& input) {
  store::Job job = job_from(input);
  hooks::StopDecision decision = hooks::decide_after_review(job, input.last_assistant_message);
  for (const auto& note : decision.notes) FUZZ_CHECK(one_line(note), "a note is one line");
  if (decision.block_reason) {
    FUZZ_CHECK(job.status == store::JobStatus::kCompleted, "only a finished review blocks");
  }
  for (const auto& note : hooks::running_job_notes({job, job})) {
    FUZZ_CHECK(one_line(note), "a running-job note is one line");
  }
  FUZZ_CHECK(one_line(hooks::notice_line(job)), "a notice is one line");
  FUZZ_CHECK(one_line(hooks::codex_unavailable_note(input.prompt)), "one line");
  json output = hooks::notices_output({job});
  FUZZ_CHECK(output.is_object(), "notices for a job are an object");
  (void)output.dump(-1, ' ', false, json::error_handler_t::replace);
}

void check_import_readers(std::string_view text, const std::string& source) {
  json value = companion::sys::parse_json(text);
  if (value.is_discarded()) return;
  (void)companion::codex::imported_thread_of(value, source);
  (void)companion::codex::import_failures_of(value);
  (void)companion::codex::ledger_thread_of(value, source, {source, "", "0"});
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = hooks::parse_hook_input(text);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().message.empty() && one_line(parsed.error().message),
               "an unreadable hook input is one line of error");
    check_import_readers(text, "");
    return 0;
  }
  const hooks::HookInput& input = *parsed;
  check_name(input.session_id, hooks::kMaxHookIdBytes, false);
  check_name(input.hook_event_name, hooks::kMaxHookIdBytes, false);
  check_name(input.source, hooks::kMaxHookIdBytes, false);
  check_name(input.reason, hooks::kMaxHookIdBytes, false);
  check_name(input.transcript_path, hooks::kMaxHookPathBytes, true);
  check_name(input.cwd, hooks::kMaxHookPathBytes, true);
  check_exports(input);
  // An environment variable holds no NUL: the plugin data directory is the prompt up to one.
  check_env_file(input, input.last_assistant_message,
                 input.prompt.substr(0, input.prompt.find('\0')));
  check_gate(input.last_assistant_message, input.prompt);
  check_notes(input);
  check_import_readers(text, input.transcript_path);
  return 0;
}
