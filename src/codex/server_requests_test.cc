#include "codex/server_requests.h"

#include <gtest/gtest.h>

namespace companion::codex {
namespace {

using Json = nlohmann::json;

TEST(ServerRequestsTest, ApprovalsAreDeclined) {
  auto a = answer_server_request("item/commandExecution/requestApproval",
                                 {{"command", "git push"}, {"threadId", "t"}});
  EXPECT_FALSE(a.is_error);
  EXPECT_EQ(a.result, Json({{"decision", "decline"}}));
  EXPECT_EQ(a.summary, "Declined command approval: git push");
  EXPECT_EQ(answer_server_request("item/fileChange/requestApproval", {}).result,
            Json({{"decision", "decline"}}));
  auto legacy = answer_server_request("execCommandApproval", {{"command", {"rm", "-rf", "x"}}});
  EXPECT_EQ(legacy.result, Json({{"decision", "denied"}}));
  EXPECT_EQ(legacy.summary, "Declined command approval: rm -rf x");
  EXPECT_EQ(answer_server_request("applyPatchApproval", nullptr).result,
            Json({{"decision", "denied"}}));
  auto permissions = answer_server_request("item/permissions/requestApproval", {});
  EXPECT_EQ(permissions.result["permissions"], Json::object());
}

TEST(ServerRequestsTest, QuestionsGetEmptyAnswers) {
  EXPECT_EQ(answer_server_request("item/tool/requestUserInput", {}).result,
            Json({{"answers", Json::object()}}));
  EXPECT_EQ(answer_server_request("mcpServer/elicitation/request", {}).result["action"], "decline");
  EXPECT_EQ(answer_server_request("item/tool/call", {{"tool", "x"}}).result["success"], false);
}

TEST(ServerRequestsTest, UnknownMethodsGetMethodNotFound) {
  for (const char* method : {"account/chatgptAuthTokens/refresh", "attestation/generate", "x/y"}) {
    auto a = answer_server_request(method, {});
    EXPECT_TRUE(a.is_error) << method;
    EXPECT_EQ(a.code, -32601) << method;
    EXPECT_NE(a.message.find(method), std::string::npos);
  }
}

TEST(ServerRequestsTest, LongCommandsAreShortenedInTheSummary) {
  auto a = answer_server_request("item/commandExecution/requestApproval",
                                 {{"command", std::string(500, 'x')}});
  EXPECT_LT(a.summary.size(), 160u);
}

}  // namespace
}  // namespace companion::codex
