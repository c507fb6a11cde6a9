#include "codex/sandbox_places.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace companion::codex {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(WritableRoots, TableDottedKeyAndProfileAreRead) {
  std::string toml = R"(model = "x"
[sandbox_workspace_write]
network_access = false
writable_roots = ["/abs", "rel", "~/t", "~"]

[other]
writable_roots = ["/not-this"]

[profiles.fast.sandbox_workspace_write]
writable_roots = [
  "/multi", # a comment with "quotes" and ]
  '/literal',
]
)";
  EXPECT_THAT(
      writable_roots(toml, "/home/u/.codex", "/home/u"),
      ElementsAre("/abs", "/home/u/.codex/rel", "/home/u/t", "/home/u", "/multi", "/literal"));
  EXPECT_THAT(writable_roots("sandbox_workspace_write.writable_roots = [\"/d\"]\n", "/c", "/h"),
              ElementsAre("/d"));
  EXPECT_THAT(writable_roots("\"sandbox_workspace_write\" . writable_roots=['/q']", "/c", "/h"),
              ElementsAre("/q"));
}

TEST(WritableRoots, WhatItDoesNotUnderstandAddsNothing) {
  EXPECT_THAT(writable_roots("", "/c", "/h"), IsEmpty());
  EXPECT_THAT(
      writable_roots("[sandbox_workspace_write]\nwritable_roots = [\"/unclosed", "/c", "/h"),
      IsEmpty());
  EXPECT_THAT(
      writable_roots("[sandbox_workspace_write]\nwritable_roots = \"/not-an-array\"", "/c", "/h"),
      IsEmpty());
  EXPECT_THAT(writable_roots("[sandbox_workspace_write\nwritable_roots = [", "/c", "/h"),
              IsEmpty());
  // No home: a ~ root cannot be placed, and is left out rather than guessed.
  EXPECT_THAT(writable_roots("[sandbox_workspace_write]\nwritable_roots = [\"~/x\"]", "/c", ""),
              IsEmpty());
}

TEST(WritablePlaces, TmpAndTmpdirAlways) {
  sys::Config config;
  config.tmpdir = "/var/folders/t";
  auto places = always_writable_places(config);
  ASSERT_EQ(places.size(), 2u);
  EXPECT_EQ(places[0].path, "/tmp");
  EXPECT_EQ(places[1].what, "$TMPDIR (/var/folders/t)");
  EXPECT_TRUE(sys::place_holding("/tmp/cxc-1/broker.sock", places).has_value());
  EXPECT_EQ(sys::place_holding("/var/folders/t/x", places)->path, "/var/folders/t");
  EXPECT_FALSE(sys::place_holding("/tmpx/y", places).has_value());
}

}  // namespace
}  // namespace companion::codex
