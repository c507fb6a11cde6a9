// Fuzz target: the MCP request dispatch (mcp/session.h), sans-IO.
//
// Input: lines a client writes to `codex-companion mcp` (split on '\n'); a line starting with
// "#finish" frees every request at work (as the server does when a work item ends), "#big"
// stands for a dropped oversized line.
// Invariants: nothing throws or crashes; every message sent is a JSON object that encodes to one
// line with "jsonrpc":"2.0"; a response carries an id that is null, a string or an integer; a
// request is answered at once or handed out as work, never both; work ids are unique while at
// work and never more than kMaxInFlight; every tool call's argv has `--` before any text.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "mcp/session.h"
#include "mcp/tools.h"

namespace {

using nlohmann::json;
namespace mcp = companion::mcp;

void check_step(const mcp::Step& step, std::set<std::string>& at_work) {
  for (const auto& message : step.send) {
    FUZZ_CHECK(message.is_object(), "a message is an object");
    std::string line = mcp::encode(message);
    FUZZ_CHECK(!line.empty() && line.back() == '\n', "one line");
    FUZZ_CHECK(line.find('\n') == line.size() - 1, "no newline inside a line");
    if (!message.contains("method")) {
      const json& id = message["id"];
      FUZZ_CHECK(id.is_null() || id.is_string() || id.is_number_integer(), "a valid id");
    }
  }
  for (const auto& work : step.work) {
    FUZZ_CHECK(at_work.insert(work.id.dump()).second, "work ids are unique while at work");
    if (work.kind == mcp::Work::Kind::kToolCall) {
      auto argv = mcp::cli_argv(work.call, "/w");
      bool dashes = false;
      for (size_t i = 0; i < argv.size(); ++i) {
        if (argv[i] == "--") dashes = true;
        if (i > 0 && !dashes && argv[i].rfind("--", 0) != 0) {
          FUZZ_CHECK(false, "only options before --");
        }
      }
      FUZZ_CHECK(work.call.after_dashes.empty() || dashes, "text after --");
    }
  }
  FUZZ_CHECK(at_work.size() <= mcp::kMaxInFlight, "bounded work");
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  mcp::Session session("0.0.0");
  std::set<std::string> at_work;
  while (!input.empty()) {
    size_t end = input.find('\n');
    std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    if (line.rfind("#finish", 0) == 0) {
      for (const auto& id : at_work) session.finished(json::parse(id));
      at_work.clear();
      continue;
    }
    auto step = line.rfind("#big", 0) == 0 ? session.on_oversized_line(64) : session.on_line(line);
    check_step(step, at_work);
  }
  return 0;
}
