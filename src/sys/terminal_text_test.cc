#include "sys/terminal_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace companion::sys {
namespace {

// Regression: terminal control sequences reached the terminal raw.
TEST(TerminalControlSequences, EscapeSequencesAreMadeVisible) {
  EXPECT_EQ(printable_text("a\x1b]52;c;aGk=\x07z"), "a\\x1b]52;c;aGk=\\x07z");
  EXPECT_EQ(printable_text("\x1b[2J"), "\\x1b[2J");
  EXPECT_EQ(printable_text("\x1b]8;;http://x/\x1b\\t\x1b]8;;\x1b\\"),
            "\\x1b]8;;http://x/\\x1b\\t\\x1b]8;;\\x1b\\");
  EXPECT_EQ(printable_text(std::string("nul\0del\x7f", 8)), "nul\\x00del\\x7f");
}

TEST(TerminalControlSequences, C1CharactersAndStrayBytesAreMadeVisible) {
  EXPECT_EQ(printable_text("\xc2\x9b"
                           "31m"),
            "\\u009b31m");
  EXPECT_EQ(printable_text("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
  EXPECT_EQ(printable_text("lone \x9b"
                           "31m"),
            "lone \\x9b31m");
  EXPECT_EQ(printable_text("cut \xe2\x82"), "cut \\xe2\\x82");
  EXPECT_EQ(printable_text("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(printable_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(printable_text("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
}

TEST(TerminalControlSequences, OrdinaryTextIsUnchanged) {
  const std::string text =
      "line one\n\tindented — café, 日本語, emoji \xf0\x9f\x99\x82 \xc2\xa0nbsp\n";
  EXPECT_EQ(printable_text(text), text);
  EXPECT_EQ(printable_text("crlf\r\nend\r"), "crlf\nend\\x0d");
  EXPECT_EQ(printable_text(""), "");
}

TEST(TerminalControlSequences, PrintableTextIsAFixedPoint) {
  std::string once = printable_text("\x1b[1m\xc2\x9b\x9b\r\x7f");
  EXPECT_EQ(printable_text(once), once);
}

TEST(TerminalControlSequences, JsonKeepsTheExactTextWithC1Escaped) {
  const std::string original = "osc \x1b]52;c;x\x07 c1 \xc2\x9b del \x7f caf\xc3\xa9 \xc2\xa0";
  nlohmann::json doc = {{"text", original}};
  std::string dumped = escape_json_controls(doc.dump());
  EXPECT_EQ(dumped.find('\x1b'), std::string::npos);
  EXPECT_EQ(dumped.find('\x7f'), std::string::npos);
  EXPECT_EQ(dumped.find("\xc2\x9b"), std::string::npos);
  EXPECT_NE(dumped.find("\\u009b"), std::string::npos);
  EXPECT_NE(dumped.find("\\u007f"), std::string::npos);
  EXPECT_NE(dumped.find("caf\xc3\xa9 \xc2\xa0"), std::string::npos);  // other text stays UTF-8
  EXPECT_EQ(nlohmann::json::parse(dumped)["text"], original);
}

}  // namespace
}  // namespace companion::sys
