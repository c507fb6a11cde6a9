#include "codex/sandbox_places.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace companion::codex {
namespace {

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
