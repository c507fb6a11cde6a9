#include "cli/main.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace companion::cli {
namespace {

// Regression (a wrong JSON type ended the process): an exception that escapes a command becomes
// one "codex-companion: internal error: …" line and exit status 1, never an abort.
TEST(Guarded, EscapedExceptionIsOneInternalErrorLine) {
  ::testing::internal::CaptureStderr();
  int status =
      guarded([]() -> int { throw std::runtime_error("type must be string, but is null"); });
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, 1);
  EXPECT_EQ(err.rfind("codex-companion: internal error: type must be string, but is null", 0), 0u)
      << err;
  EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line: " << err;
}

TEST(Guarded, NonStandardExceptionToo) {
  ::testing::internal::CaptureStderr();
  int status = guarded([]() -> int { throw 42; });
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, 1);
  EXPECT_NE(err.find("internal error"), std::string::npos);
}

TEST(Guarded, ReturnsTheBodysStatus) {
  EXPECT_EQ(guarded([] { return 0; }), 0);
  EXPECT_EQ(guarded([] { return 3; }), 3);
}

}  // namespace
}  // namespace companion::cli
