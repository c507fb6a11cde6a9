#include "hooks/transcript.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/env.h"
#include "sys/fs.h"

namespace companion::hooks {
namespace {

class TranscriptSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/companion-transcript-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    home_ = dir_ + "/home";
    projects_ = home_ + "/.claude/projects";
    ::mkdir(home_.c_str(), 0700);
    ::mkdir((home_ + "/.claude").c_str(), 0700);
    ::mkdir(projects_.c_str(), 0700);
    ::mkdir((projects_ + "/-repo").c_str(), 0700);
    transcript_ = projects_ + "/-repo/0f3c8a52.jsonl";
    write(transcript_);
    roots_ = {projects_};
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
  }
  static void write(const std::string& path) {
    ASSERT_TRUE(sys::write_file_atomic(path, "{\"type\":\"user\"}\n").ok());
  }
  Result<TranscriptSource> resolve(const std::string& requested) {
    return resolve_transcript_source(sys::default_env(), requested, dir_, home_, roots_);
  }
  void expect_refused(const std::string& requested, const std::string& fragment) {
    auto r = resolve(requested);
    ASSERT_FALSE(r.ok()) << requested;
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  }

  std::string dir_, home_, projects_, transcript_;
  std::vector<std::string> roots_;
};

TEST_F(TranscriptSourceTest, ATranscriptOfClaudeCodeIsAccepted) {
  auto r = resolve(transcript_);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->path, *sys::real_path(transcript_));
  EXPECT_EQ(r->session_id, "0f3c8a52");
  EXPECT_EQ(resolve("~/.claude/projects/-repo/0f3c8a52.jsonl")->path, r->path);
  EXPECT_EQ(resolve("home/.claude/projects/-repo/0f3c8a52.jsonl")->path, r->path);  // from cwd
  // A symlink that stays inside resolves to its target.
  ASSERT_EQ(::symlink(transcript_.c_str(), (projects_ + "/-repo/link.jsonl").c_str()), 0);
  EXPECT_EQ(resolve(projects_ + "/-repo/link.jsonl")->path, r->path);
}

TEST_F(TranscriptSourceTest, OutsideTheProjectsDirectoryIsRefused) {
  std::string outside = home_ + "/session.jsonl";
  write(outside);
  expect_refused(outside, "only from " + projects_);
  // Through a symlink planted inside: the real path decides.
  ASSERT_EQ(::symlink(outside.c_str(), (projects_ + "/-repo/escape.jsonl").c_str()), 0);
  expect_refused(projects_ + "/-repo/escape.jsonl", "resolves to " + outside);
  // A symlinked project directory that leads out.
  ASSERT_EQ(::symlink(home_.c_str(), (projects_ + "/-evil").c_str()), 0);
  expect_refused(projects_ + "/-evil/session.jsonl", "only from");
  // `..` out of it.
  expect_refused(projects_ + "/../../session.jsonl", "only from");
}

TEST_F(TranscriptSourceTest, OtherRefusals) {
  expect_refused("", "pass --source");
  expect_refused(projects_ + "/-repo/notes.txt", ".jsonl file");
  expect_refused(projects_ + "/-repo/missing.jsonl", "no Claude Code transcript at");
  ASSERT_EQ(::mkdir((projects_ + "/-repo/dir.jsonl").c_str(), 0700), 0);
  expect_refused(projects_ + "/-repo/dir.jsonl", "not a regular file");
  // A .jsonl name that leads to another kind of file inside.
  write(projects_ + "/-repo/data.txt");
  ASSERT_EQ(::symlink((projects_ + "/-repo/data.txt").c_str(),
                      (projects_ + "/-repo/named.jsonl").c_str()),
            0);
  expect_refused(projects_ + "/-repo/named.jsonl", "leads to");
  roots_ = {dir_ + "/no-such-root"};
  expect_refused(transcript_, "only from " + dir_ + "/no-such-root");
}

TEST(TranscriptRoots, HomeAndClaudeConfigDir) {
  sys::Config c;
  c.home = "/h";
  c.claude_config_dir = "/h/.claude";
  EXPECT_EQ(transcript_roots(c), std::vector<std::string>({"/h/.claude/projects"}));
  c.claude_config_dir_set = true;
  EXPECT_EQ(transcript_roots(c), std::vector<std::string>({"/h/.claude/projects"}));
  c.claude_config_dir = "/cfg";
  EXPECT_EQ(transcript_roots(c),
            std::vector<std::string>({"/h/.claude/projects", "/cfg/projects"}));
  c.home = "";
  EXPECT_EQ(transcript_roots(c), std::vector<std::string>({"/cfg/projects"}));
}

}  // namespace
}  // namespace companion::hooks
