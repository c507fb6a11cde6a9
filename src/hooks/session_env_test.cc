#include "hooks/session_env.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sys/text.h"

namespace companion::hooks {
namespace {

HookInput input_of(std::string session_id, std::string transcript_path) {
  HookInput in;
  in.session_id = std::move(session_id);
  in.transcript_path = std::move(transcript_path);
  return in;
}

std::string ours(const std::string& session_id) {
  return session_exports(
      input_of(session_id, "/home/u/.claude/projects/-p/" + session_id + ".jsonl"));
}

// The reference plugin's tests compare these lines byte for byte.
TEST(SessionExports, ReferenceFormatWithQuotesEscaped) {
  HookInput in = input_of("sess-current", "/tmp/it's here/session.jsonl");
  EXPECT_EQ(session_exports(in),
            "export CODEX_COMPANION_SESSION_ID='sess-current'\n"
            "export CODEX_COMPANION_TRANSCRIPT_PATH='/tmp/it'\"'\"'s here/session.jsonl'\n");
  EXPECT_EQ(session_exports(HookInput{}), "");
  EXPECT_EQ(sys::shell_single_quote("$(touch x) `y` \\"), "'$(touch x) `y` \\'");
}

// Regression: SessionStart exported CLAUDE_PLUGIN_DATA into the session's shared env file, which
// handed our data directory to every other plugin's commands in place of their own.
TEST(SessionExports, OnlyOurNamespacedVariablesNeverClaudePluginData) {
  std::string exports = ours("s1");
  EXPECT_EQ(exports.find("CLAUDE_PLUGIN_DATA"), std::string::npos);
  size_t lines = 0;
  for (size_t at = 0; (at = exports.find("export CODEX_COMPANION_", at)) != std::string::npos;
       ++at) {
    ++lines;
  }
  EXPECT_EQ(lines, 2u);
  EXPECT_EQ(retired_export_lines("/data/plug"),
            std::vector<std::string>{"export CLAUDE_PLUGIN_DATA='/data/plug'"});
  EXPECT_TRUE(retired_export_lines("").empty());
}

// Regression: every SessionStart (startup, resume, clear, compact) appended our lines again, so a
// long session's env file, sourced before every Bash command, grew without bound.
TEST(SessionEnvFile, ManyStartsRewriteOurLinesInPlaceAndTheFileKeepsItsSize) {
  const std::string before = "export OTHER_PLUGIN='a b'\n# a comment\n";
  const std::string after = "export LATER_PLUGIN=2\n";
  std::string file = with_session_exports(before, ours("s1"), {});
  file += after;  // another plugin appends after our first start
  const std::string expected = before + ours("s1") + after;
  EXPECT_EQ(file, expected);
  for (int start = 0; start < 200; ++start) {
    file = with_session_exports(file, ours("s1"), {});
    ASSERT_EQ(file, expected) << "start " << start;
  }
  // Latest values win, in the same place.
  file = with_session_exports(file, ours("s2"), {});
  EXPECT_EQ(file, before + ours("s2") + after);
}

TEST(SessionEnvFile, DuplicatesLeftByEarlierVersionsCollapseIntoOneBlock) {
  std::string grown = "export OTHER=1\n";
  for (int i = 0; i < 5; ++i) {
    grown += ours("old-" + std::to_string(i)) + "export CLAUDE_PLUGIN_DATA='/data/codex'\n";
  }
  grown += "export LAST=1\n";
  std::string file = with_session_exports(grown, ours("new"), retired_export_lines("/data/codex"));
  EXPECT_EQ(file, "export OTHER=1\n" + ours("new") + "export LAST=1\n");
}

// Regression: an env file whose last line had no newline got our first export glued onto it,
// changing the other plugin's value (`export OTHER=1export CODEX_COMPANION_SESSION_ID=…`).
TEST(SessionEnvFile, OurLinesStartOnANewLineAfterALastLineWithoutOne) {
  EXPECT_EQ(with_session_exports("export OTHER=1", ours("s1"), {}),
            "export OTHER=1\n" + ours("s1"));
  EXPECT_EQ(with_session_exports("# trailing comment", ours("s1"), {}),
            "# trailing comment\n" + ours("s1"));
  EXPECT_EQ(with_session_exports("", ours("s1"), {}), ours("s1"));
}

TEST(SessionEnvFile, OtherPluginsLinesStayByteForByte) {
  const std::string others =
      "export CLAUDE_PLUGIN_DATA='/data/another-plugin'\n"  // theirs: another value
      "export CODEX_COMPANION_SESSION_ID=\"theirs\"\n"      // not our shape
      "  export CODEX_COMPANION_SESSION_ID='indented'\n"
      "# export CODEX_COMPANION_SESSION_ID='commented'\n"
      "export MULTI='first line\n"
      "export CODEX_COMPANION_SESSION_ID='inside their quotes'\n"
      "last line'\n"
      "export CONT=1 \\\n"
      "export CODEX_COMPANION_SESSION_ID='a continuation'\n"
      "export DQ=\"a \\\" quote\n"
      "export CODEX_COMPANION_TRANSCRIPT_PATH='inside double quotes'\"\n"
      "export ANSI=$'it\\'s\n"
      "export CODEX_COMPANION_SESSION_ID='inside ANSI-C quotes''\n"
      "echo \"#not a comment\" '# nor this' # but this is: '\n";
  std::string file = with_session_exports(others, ours("s1"), retired_export_lines("/data/codex"));
  EXPECT_EQ(file, others + ours("s1"));
  EXPECT_EQ(with_session_exports(file, ours("s1"), {}), file);
}

TEST(SessionEnvFile, AFileEndingInsideAStatementIsLeftAlone) {
  for (const std::string broken :
       {"export OPEN='never closed\n", "export A=1 \\\n", "export A=1 \\", "x=\"open"}) {
    EXPECT_TRUE(ends_inside_statement(broken)) << broken;
    EXPECT_EQ(with_session_exports(broken, ours("s1"), {}), broken) << broken;
  }
  for (const std::string fine : {"", "export A='x'\n", "# it's\n", "a=b # it's", "x=\\\\"}) {
    EXPECT_FALSE(ends_inside_statement(fine)) << fine;
  }
}

}  // namespace
}  // namespace companion::hooks
