// Test support for store/ (and the modules above it): a workspace in a fresh temporary
// directory, removed with everything in it after the test; and what jobs::settle records of
// owners that are gone, for tests of the store alone.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/job_store.h"

namespace companion::store::testing {

class WorkspaceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "companion-XXXXXX").string();
    char* made = ::mkdtemp(pattern.data());
    ASSERT_NE(made, nullptr);
    dir_ = made;
    ws_ = Workspace{dir_ + "/repo", dir_ + "/state/repo-0123456789abcdef"};
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  Workspace ws_;
};

// JobStore::ownerless then JobStore::record_ownerless; returns the ids whose end was recorded.
inline std::vector<std::string> record_gone_owners(JobStore& store) {
  auto gone = store.ownerless();
  EXPECT_TRUE(gone.ok()) << gone.error().message;
  if (!gone.ok()) return {};
  auto ended = store.record_ownerless(*gone);
  EXPECT_TRUE(ended.ok()) << ended.error().message;
  return ended.ok() ? *ended : std::vector<std::string>();
}

}  // namespace companion::store::testing
