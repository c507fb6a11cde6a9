#include "hooks/hook_input.h"

#include <gtest/gtest.h>

#include <string>

namespace companion::hooks {
namespace {

// What Claude Code 2.1.332 sent a Stop hook (tests/claude/test_claude_facts.py).
constexpr const char* kStopInput =
    R"({"session_id":"0f3c8a52-1d7e-4a55-9c1b-6e2f0a9d4b11","transcript_path":)"
    R"("/home/u/.claude/projects/-work-p/0f3c8a52-1d7e-4a55-9c1b-6e2f0a9d4b11.jsonl",)"
    R"("cwd":"/work/p","permission_mode":"default","hook_event_name":"Stop",)"
    R"("stop_hook_active":false,"last_assistant_message":"Stub answer.","effort":"high",)"
    R"("background_tasks":[],"session_crons":[]})";

TEST(HookInput, ReadsWhatClaudeCodeSends) {
  auto in = parse_hook_input(kStopInput);
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->session_id, "0f3c8a52-1d7e-4a55-9c1b-6e2f0a9d4b11");
  EXPECT_EQ(in->cwd, "/work/p");
  EXPECT_EQ(in->hook_event_name, "Stop");
  EXPECT_FALSE(in->stop_hook_active);
  EXPECT_EQ(in->last_assistant_message, "Stub answer.");
  auto again = parse_hook_input(R"({"stop_hook_active":true,"prompt":"/codex:status"})");
  EXPECT_TRUE(again->stop_hook_active);
  EXPECT_EQ(again->prompt, "/codex:status");
}

TEST(HookInput, EmptyIsAnEmptyObjectAndNullIsAbsent) {
  EXPECT_TRUE(parse_hook_input("").ok());
  EXPECT_TRUE(parse_hook_input(" \n").ok());
  auto in = parse_hook_input(R"({"session_id":null,"stop_hook_active":null,"cwd":null})");
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->session_id, "");
  EXPECT_FALSE(in->stop_hook_active);
}

TEST(HookInput, HostileInputIsOneClearError) {
  struct Case {
    const char* input;
    const char* message;
  };
  const Case cases[] = {
      {"not json", "hook input is not valid JSON"},
      {R"({"session_id": "a")", "hook input is not valid JSON"},
      {"[1,2]", "hook input is an array, not a JSON object"},
      {"\"text\"", "hook input is a string, not a JSON object"},
      {R"({"session_id": 42})", "hook input: session_id is a number, not a string"},
      {R"({"cwd": {"a": 1}})", "hook input: cwd is an object, not a string"},
      {R"({"stop_hook_active": "true"})",
       "hook input: stop_hook_active is a string, not a boolean"},
      {R"({"last_assistant_message": ["x"]})",
       "hook input: last_assistant_message is an array, not a string"},
      {R"({"session_id": "a\nexport X=1"})", "hook input: session_id holds a control character"},
      {R"({"transcript_path": "relative/s.jsonl"})",
       "hook input: transcript_path is not an absolute path"},
      {R"({"cwd": "/a\u001b[2J"})", "hook input: cwd holds a control character"},
  };
  for (const auto& c : cases) {
    auto in = parse_hook_input(c.input);
    ASSERT_FALSE(in.ok()) << c.input;
    EXPECT_EQ(in.error().message.rfind(c.message, 0), 0u) << in.error().message;
    EXPECT_EQ(in.error().message.find('\n'), std::string::npos);
  }
  std::string long_id = R"({"session_id":")" + std::string(kMaxHookIdBytes + 1, 'a') + "\"}";
  EXPECT_FALSE(parse_hook_input(long_id).ok());
}

TEST(HookInput, DeepNestingDoesNotCrash) {
  std::string deep(200000, '[');
  EXPECT_FALSE(parse_hook_input(deep).ok());
  std::string nested = R"({"x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_TRUE(parse_hook_input(nested).ok());
}

TEST(HookInput, EventNames) {
  EXPECT_EQ(parse_hook_event("session-start"), HookEvent::kSessionStart);
  EXPECT_EQ(parse_hook_event("session-end"), HookEvent::kSessionEnd);
  EXPECT_EQ(parse_hook_event("stop"), HookEvent::kStop);
  EXPECT_EQ(parse_hook_event("user-prompt-submit"), HookEvent::kUserPromptSubmit);
  EXPECT_FALSE(parse_hook_event("SessionStart").has_value());
}

}  // namespace
}  // namespace companion::hooks
