// Test support for jobs/: a store in a temporary directory, opened on a given Env; a job run by
// a fake owner.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include "jobs/fake_owner_env.h"
#include "store/job_store.h"
#include "store/store_test_support.h"
#include "sys/env.h"

namespace companion::jobs::testing {

class StoreFixture : public store::testing::WorkspaceFixture {
 protected:
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
};

// A store on a fake process table and clock whose one owner (FakeOwnerEnv::Owner's defaults)
// runs job_, holding its lock.
class OwnedJobFixture : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    store_ = open(env_);
    job_ = running_job(*store_, 4242, 777, lock_);
    env_.set_owner(ws_.lock_path(job_.id), {});
  }
  FakeOwnerEnv env_{sys::default_env()};
  std::unique_ptr<store::JobStore> store_;
  sys::UniqueFd lock_;
  store::Job job_;
};

}  // namespace companion::jobs::testing
