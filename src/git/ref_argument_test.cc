#include "git/ref_argument.h"

#include <gtest/gtest.h>

namespace companion::git {
namespace {

// Regression: a repository could put an option into git's argv through a ref name.
TEST(GitOptionInjection, OptionLikeRefsAreRefused) {
  for (const char* bad :
       {"--output=/tmp/x", "-o/tmp/x", "-", "", "a b", "main\n--all", "x\x1b[2J"}) {
    auto status = check_ref_argument(bad, "base ref");
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().message.rfind("refusing base ref '", 0), 0u) << status.error().message;
  }
  EXPECT_FALSE(check_ref_argument(std::string(2000, 'a'), "base ref").ok());
}

TEST(GitOptionInjection, OrdinaryRefsAndRevisionsPass) {
  for (const char* good : {"main", "origin/main", "v1.2.3", "HEAD~2", "feature/x-y", "main@{1}",
                           "0123456789abcdef0123456789abcdef01234567", "a-b--c"}) {
    EXPECT_TRUE(check_ref_argument(good, "base ref").ok()) << good;
  }
}

}  // namespace
}  // namespace companion::git
