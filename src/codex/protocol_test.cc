#include "codex/protocol.h"

#include <gtest/gtest.h>

namespace companion::codex {
namespace {

using Json = nlohmann::json;

TEST(ProtocolTest, InitializeNamesTheClient) {
  Json p = initialize_params();
  EXPECT_EQ(p["clientInfo"]["name"], "codex-companion");
  EXPECT_EQ(p["clientInfo"]["version"], COMPANION_VERSION);
  EXPECT_EQ(p["capabilities"]["experimentalApi"], false);
  EXPECT_TRUE(p["capabilities"]["optOutNotificationMethods"].is_array());
}

TEST(ProtocolTest, ThreadStartIsReadOnlyUnlessWrite) {
  ThreadOptions options{"/repo", std::nullopt, std::nullopt, false, true};
  Json p = thread_start_params(options);
  EXPECT_FALSE(p.contains("config"));
  EXPECT_EQ(p["cwd"], "/repo");
  EXPECT_TRUE(p["model"].is_null());
  EXPECT_EQ(p["approvalPolicy"], "never");
  EXPECT_EQ(p["sandbox"], "read-only");
  EXPECT_EQ(p["ephemeral"], true);
  options.write = true;
  options.ephemeral = false;
  options.model = "gpt-5.3-codex-spark";
  p = thread_start_params(options);
  EXPECT_EQ(p["sandbox"], "workspace-write");
  EXPECT_EQ(p["ephemeral"], false);
  EXPECT_EQ(p["model"], "gpt-5.3-codex-spark");
  Json r = thread_resume_params("thr", options);
  EXPECT_EQ(r["threadId"], "thr");
  EXPECT_EQ(r["sandbox"], "workspace-write");
  EXPECT_FALSE(r.contains("ephemeral"));
}

// review/start carries no effort: `review --effort` reaches Codex only as the thread's
// configuration, which the review turn runs with.
TEST(ProtocolTest, ReviewEffortAcceptedButNeverSentTravelsInTheThreadConfig) {
  ThreadOptions options{"/repo", std::nullopt, std::string("high"), false, true};
  Json expected = {{"model_reasoning_effort", "high"}};
  EXPECT_EQ(thread_start_params(options)["config"], expected);
  EXPECT_EQ(thread_resume_params("thr", options)["config"], expected);
}

TEST(ProtocolTest, TurnStartLeavesOutAbsentOptions) {
  Json p = turn_start_params("t1", "hello", std::nullopt, std::nullopt, nullptr);
  EXPECT_EQ(p, Json::parse(R"({"threadId":"t1","input":[{"type":"text","text":"hello",
                              "text_elements":[]}]})"));
  Json schema = {{"type", "object"}};
  p = turn_start_params("t1", "x", std::string("m"), std::string("high"), schema);
  EXPECT_EQ(p["model"], "m");
  EXPECT_EQ(p["effort"], "high");
  EXPECT_EQ(p["outputSchema"], schema);
}

TEST(ProtocolTest, ReviewAndOtherRequests) {
  Json target = {{"type", "baseBranch"}, {"branch", "main"}};
  Json p = review_start_params("t", target);
  EXPECT_EQ(p["delivery"], "inline");
  EXPECT_EQ(p["target"], target);
  EXPECT_EQ(turn_interrupt_params("t", "u"), Json({{"threadId", "t"}, {"turnId", "u"}}));
  EXPECT_EQ(account_read_params(), Json({{"refreshToken", false}}));
  EXPECT_EQ(config_read_params("/w"), Json({{"includeLayers", false}, {"cwd", "/w"}}));
  Json list = thread_list_params("/w", 20, "Codex Companion Task");
  EXPECT_EQ(list["sortKey"], "updated_at");
  EXPECT_EQ(list["sourceKinds"], Json::array({"appServer"}));
  EXPECT_EQ(list["searchTerm"], "Codex Companion Task");
}

TEST(ProtocolTest, ReadsIdsDefensively) {
  EXPECT_EQ(thread_id_of(Json::parse(R"({"thread":{"id":"abc"}})")), "abc");
  EXPECT_EQ(thread_id_of(Json::parse(R"({"thread":{"id":5}})")), "");
  EXPECT_EQ(thread_id_of(Json()), "");
  EXPECT_EQ(turn_id_of(Json::parse(R"({"turn":{"id":"u","status":"inProgress"}})")), "u");
  EXPECT_EQ(turn_status_of(Json::parse(R"({"turn":{"id":"u","status":"inProgress"}})")),
            "inProgress");
  EXPECT_EQ(turn_id_of(Json::parse(R"({"turn":null})")), "");
}

}  // namespace
}  // namespace companion::codex
