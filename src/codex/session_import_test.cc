#include "codex/session_import.h"

#include <gtest/gtest.h>

#include "codex/app_server.h"

namespace companion::codex {
namespace {

using Json = nlohmann::json;

// Shapes as codex-cli 0.169.0 sent them (measured offline against the real CLI).
Json real_completion(const std::string& source, const Json& target) {
  return {{"importId", "90cfbbcb"},
          {"itemTypeResults",
           {{{"itemType", "SESSIONS"},
             {"successes",
              {{{"itemType", "SESSIONS"},
                {"cwd", "/repo"},
                {"source", source},
                {"target", target},
                {"title", "Native transfer"}}}},
             {"failures", Json::array()}}}}};
}

TEST(SessionImport, ParamsCarryOneSessionsItem) {
  Json p = session_import_params({"/h/.claude/projects/-r/s.jsonl", "/r", "Claude Code session s"});
  const Json& item = p["migrationItems"][0];
  EXPECT_EQ(item["itemType"], "SESSIONS");
  EXPECT_EQ(item["description"], "Claude Code session s");
  EXPECT_TRUE(item["cwd"].is_null());
  EXPECT_EQ(item["details"]["sessions"][0]["path"], "/h/.claude/projects/-r/s.jsonl");
  EXPECT_EQ(item["details"]["sessions"][0]["cwd"], "/r");
  EXPECT_TRUE(item["details"]["sessions"][0]["title"].is_null());
  for (const char* empty : {"plugins", "mcpServers", "hooks", "subagents", "commands"}) {
    EXPECT_EQ(item["details"][empty], Json::array()) << empty;
  }
  EXPECT_FALSE(p.contains("migrationSource"));
}

rpc::RpcError remote_error(int code, std::string message) {
  return rpc::RpcError{rpc::RpcError::Kind::kRemote, code, std::move(message), nullptr};
}

TEST(SessionImport, UnknownMethodInBothDialects) {
  EXPECT_TRUE(is_unknown_method(
      remote_error(-32601, "Unsupported method: externalAgentConfig/import"), kImportMethod));
  EXPECT_TRUE(is_unknown_method(
      remote_error(
          -32600, "Invalid request: unknown variant `externalAgentConfig/import`, expected one of"),
      kImportMethod));
  // The same code for a malformed request to a method the server knows is not "unknown".
  EXPECT_FALSE(is_unknown_method(
      remote_error(-32600, "Invalid request: missing field `migrationItems`"), kImportMethod));
  EXPECT_FALSE(
      is_unknown_method(remote_error(-32600, "unknown variant `other/method`"), kImportMethod));
  EXPECT_FALSE(is_unknown_method(remote_error(-32000, "boom"), kImportMethod));
  // Not the peer's answer: a closed connection is never "unknown method".
  rpc::RpcError closed{rpc::RpcError::Kind::kClosed, -32601, "closed", nullptr};
  EXPECT_FALSE(is_unknown_method(closed, kImportMethod));
}

TEST(SessionImport, ThreadFromTheCompletion) {
  const std::string src = "/h/.claude/projects/-r/s.jsonl";
  EXPECT_EQ(imported_thread_of(real_completion(src, "01a22f51"), src), "01a22f51");
  // Another file's success, a target of the wrong type, the reference's empty form: none.
  EXPECT_EQ(imported_thread_of(real_completion("/other.jsonl", "01a22f51"), src), "");
  EXPECT_EQ(imported_thread_of(real_completion(src, 42), src), "");
  EXPECT_EQ(imported_thread_of(real_completion(src, nullptr), src), "");
  EXPECT_EQ(imported_thread_of(Json::object(), src), "");
  EXPECT_EQ(imported_thread_of(Json("garbage"), src), "");
  EXPECT_EQ(imported_thread_of({{"itemTypeResults", {1, "x", nullptr}}}, src), "");
}

TEST(SessionImport, FailuresAreJoined) {
  Json c = {{"itemTypeResults",
             {{{"itemType", "SESSIONS"},
               {"successes", Json::array()},
               {"failures",
                {{{"itemType", "SESSIONS"},
                  {"failureStage", "session_missing"},
                  {"message", "external agent session was not detected for import: /x"}},
                 {{"failureStage", "parse"}},
                 {{"message", 7}}}}}}}};
  EXPECT_EQ(import_failures_of(c), "external agent session was not detected for import: /x; parse");
  EXPECT_EQ(import_failures_of(Json::object()), "");
}

TEST(SessionImport, LedgerLastMatchingRecordWins) {
  const std::string src = "/h/.claude/projects/-r/s.jsonl";
  Json ledger = {{"records",
                  {{{"source_path", src}, {"content_sha256", "aa"}, {"imported_thread_id", "t1"}},
                   {{"source_path", src}, {"content_sha256", "bb"}, {"imported_thread_id", "t2"}},
                   {{"source_path", src}, {"content_sha256", "aa"}, {"imported_thread_id", "t3"}},
                   {{"source_path", "/x"}, {"content_sha256", "aa"}, {"imported_thread_id", "t4"}},
                   {{"source_path", src}, {"content_sha256", "aa"}, {"imported_thread_id", 5}},
                   "not a record"}}};
  EXPECT_EQ(ledger_thread_of(ledger, src, {"aa"}), "t3");
  EXPECT_EQ(ledger_thread_of(ledger, src, {"", "bb"}), "t2");
  EXPECT_EQ(ledger_thread_of(ledger, src, {"cc"}), "");
  EXPECT_EQ(ledger_thread_of(ledger, src, {""}), "");
  EXPECT_EQ(ledger_thread_of(Json::array(), src, {"aa"}), "");
  EXPECT_EQ(ledger_thread_of({{"records", "x"}}, src, {"aa"}), "");
}

}  // namespace
}  // namespace companion::codex
