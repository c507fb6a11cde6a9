#include "sys/path_checks.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "sys/fs.h"

namespace companion::sys {
namespace {

TEST(PathChecks, PseudoFilesystemsAreNamed) {
  EXPECT_EQ(*pseudo_filesystem_of("/proc"), std::optional<std::string>("proc"));
  EXPECT_EQ(*pseudo_filesystem_of("/proc/self"), std::optional<std::string>("proc"));
  if (is_directory("/sys/kernel")) {
    EXPECT_EQ(*pseudo_filesystem_of("/sys/kernel"), std::optional<std::string>("sysfs"));
  }
  if (is_directory("/dev/pts")) {
    EXPECT_EQ(*pseudo_filesystem_of("/dev/pts"), std::optional<std::string>("devpts"));
  }
}

TEST(PathChecks, OrdinaryDirectoriesAreNotPseudo) {
  char pattern[] = "/tmp/companion-path-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  EXPECT_EQ(*pseudo_filesystem_of(pattern), std::nullopt);  // /tmp: tmpfs or disk, not /dev
  EXPECT_EQ(*owner_of(pattern), effective_uid());
  ::rmdir(pattern);
  EXPECT_FALSE(pseudo_filesystem_of("/no/such/dir").ok());
  EXPECT_FALSE(owner_of("/no/such/dir").ok());
}

}  // namespace
}  // namespace companion::sys
