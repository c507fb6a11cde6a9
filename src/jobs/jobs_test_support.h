// Test support for jobs/: a store in a temporary directory, opened on a given Env.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include "store/job_store.h"
#include "sys/env.h"

namespace companion::jobs::testing {

class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/companion-jobs-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    ws_ = store::Workspace{dir_ + "/repo", dir_ + "/state/repo-0123456789abcdef"};
  }
  void TearDown() override { (void)::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::unique_ptr<store::JobStore> open(sys::Env& env) {
    auto s = store::JobStore::open(ws_, env, {});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::make_unique<store::JobStore>(std::move(*s));
  }

  // A running job owned by `pid` (started at `start_time`), its real lock held by `lock`.
  store::Job running_job(store::JobStore& store, pid_t pid, uint64_t start_time,
                         sys::UniqueFd& lock) {
    auto created = store.create(
        store::NewJob{store::JobKind::kTask, "Codex Task", "a task", "s1", false, nullptr});
    EXPECT_TRUE(created.ok()) << created.error().message;
    lock = std::move(created->lock);
    EXPECT_TRUE(*store.start(created->job.id, store::StartInfo{pid, start_time}));
    return **store.get(created->job.id);
  }

  std::string dir_;
  store::Workspace ws_;
};

}  // namespace companion::jobs::testing
