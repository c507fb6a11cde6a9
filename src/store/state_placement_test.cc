#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "store/workspace.h"
#include "sys/env.h"
#include "sys/fs.h"

namespace companion::store {
namespace {

// A directory outside /tmp, as a user's home would be.
std::string outside_tmp_dir() {
  char pattern[] = "/var/tmp/companion-placement-XXXXXX";
  char* made = ::mkdtemp(pattern);
  EXPECT_NE(made, nullptr);
  return *sys::real_path(pattern);
}

Workspace at(const std::string& root, const std::string& state_root) {
  return Workspace{root, sys::join_path(state_root, workspace_dir_name(root)), ""};
}

// Regression: the state directory could be placed where a sandboxed write task may write (the
// workspace, /tmp, $TMPDIR); the task could then rewrite the store, whose notify command the
// companion runs outside the sandbox.
TEST(StatePlacement, StateDirWhereCodexCanWrite) {
  std::string home = outside_tmp_dir();
  std::string repo = home + "/repo";
  ASSERT_TRUE(sys::ensure_private_dir(repo).ok());
  // Fine: beside the repository, and the default under a home outside /tmp.
  EXPECT_TRUE(
      check_state_placement(sys::default_env(), at(repo, home + "/state"), "XDG_STATE_HOME", "")
          .ok());
  EXPECT_TRUE(
      check_write_task_placement(sys::default_env(), at(repo, home + "/state"), "XDG_STATE_HOME")
          .ok());
  // Inside the workspace (also through a path that does not exist yet): refused for a write
  // task there, which could rewrite it; other commands may read it.
  Workspace inside = at(repo, repo + "/.state/x");
  EXPECT_TRUE(
      check_state_placement(sys::default_env(), inside, "CODEX_COMPANION_STATE_DIR", "").ok());
  auto write = check_write_task_placement(sys::default_env(), inside, "CODEX_COMPANION_STATE_DIR");
  ASSERT_FALSE(write.ok());
  EXPECT_NE(write.error().message.find("inside the workspace " + repo), std::string::npos);
  EXPECT_NE(write.error().message.find("CODEX_COMPANION_STATE_DIR"), std::string::npos);
  // /tmp, whatever the workspace and the command.
  auto tmp = check_state_placement(sys::default_env(), at(repo, "/tmp/cc-state"),
                                   "CODEX_COMPANION_STATE_DIR", "");
  ASSERT_FALSE(tmp.ok());
  EXPECT_NE(tmp.error().message.find("inside /tmp"), std::string::npos);
  // $TMPDIR, compared as a real path (a symlink to it is the same place).
  std::string tmpdir = home + "/mytmp";
  ASSERT_TRUE(sys::ensure_private_dir(tmpdir).ok());
  ASSERT_EQ(::symlink(tmpdir.c_str(), (home + "/tmplink").c_str()), 0);
  auto in_tmpdir =
      check_state_placement(sys::default_env(), at(repo, tmpdir + "/s"), "HOME", home + "/tmplink");
  ASSERT_FALSE(in_tmpdir.ok());
  EXPECT_NE(in_tmpdir.error().message.find("$TMPDIR"), std::string::npos);
  EXPECT_TRUE(
      check_state_placement(sys::default_env(), at(repo, home + "/state"), "HOME", tmpdir).ok());
  // The filesystem root as the workspace (CODEX_COMPANION_ALLOW_ANY_WORKSPACE) holds everything.
  EXPECT_TRUE(
      check_write_task_placement(sys::default_env(), at("/", home + "/state"), "HOME").ok());
  ::unlink((home + "/tmplink").c_str());
  ::rmdir(tmpdir.c_str());
  ::rmdir(repo.c_str());
  ::rmdir(home.c_str());
}

}  // namespace
}  // namespace companion::store
