// Test support: a throw-away git repository in a temporary directory, with git isolated from
// the user's and the system's configuration.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "sys/fs.h"
#include "sys/run.h"

namespace companion::git::testing {

// Runs a command in `dir` and returns its stdout; records a test failure when it fails.
inline std::string run_in(const std::string& dir, std::vector<std::string> argv) {
  sys::RunOptions options;
  options.argv = std::move(argv);
  options.cwd = dir;
  auto result = sys::run_command(options);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  if (!result.ok()) return "";
  EXPECT_TRUE(result->success()) << options.argv[0] << " " << options.argv[1] << ": "
                                 << result->err_tail;
  return result->out;
}

// A temporary directory, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    // Keep the user's and the system's git configuration out of every git started by a test.
    ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    ::setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    const char* base = ::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/companion-git-XXXXXX";
    char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    auto real = sys::real_path(pattern);
    path_ = real ? *real : pattern;
  }
  ~TempDir() { run_in("/", {"rm", "-rf", path_}); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A repository with a `main` branch and a local identity; nothing committed yet.
class TempRepo {
 public:
  explicit TempRepo(const std::string& subdir = "repo") : root_(dir_.path() + "/" + subdir) {
    run_in(dir_.path(), {"mkdir", "-p", root_});
    git({"init", "-q", "-b", "main"});
    git({"config", "user.email", "test@example.com"});
    git({"config", "user.name", "Test"});
    git({"config", "commit.gpgsign", "false"});
  }

  const std::string& root() const { return root_; }
  const std::string& scratch() const { return dir_.path(); }

  std::string git(std::vector<std::string> args) const {
    args.insert(args.begin(), "git");
    return run_in(root_, std::move(args));
  }

  // Writes `content` to `relative` (creating parent directories).
  void write(const std::string& relative, const std::string& content) const {
    std::string path = root_ + "/" + relative;
    run_in(root_, {"mkdir", "-p", sys::dirname_of(path)});
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    EXPECT_TRUE(out.good()) << "cannot write " << path;
  }

  void commit_all(const std::string& message) const {
    git({"add", "-A"});
    git({"commit", "-q", "-m", message});
  }

 private:
  TempDir dir_;
  std::string root_;
};

}  // namespace companion::git::testing
