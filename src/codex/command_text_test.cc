#include "codex/command_text.h"

#include <gtest/gtest.h>

namespace companion::codex {
namespace {

TEST(CommandTextTest, DisplayCommandUnwrapsShells) {
  EXPECT_EQ(display_command("/bin/bash -lc 'make test'"), "make test");
  EXPECT_EQ(display_command("/bin/bash -c 'echo failing >&2; exit 3'"), "echo failing >&2; exit 3");
  EXPECT_EQ(display_command("bash -lc 'echo '\\''quoted'\\'''"), "echo 'quoted'");
  EXPECT_EQ(display_command("/usr/bin/zsh -c \"ls -la\""), "ls -la");
  EXPECT_EQ(display_command("sh -c ls"), "ls");
  EXPECT_EQ(display_command("python3 -c 'print(1)'"), "python3 -c 'print(1)'");
  EXPECT_EQ(display_command("  ls  "), "ls");
  EXPECT_EQ(display_command(""), "");
}

TEST(CommandTextTest, VerificationCommands) {
  for (const char* c : {"pytest -q",
                        "python -m pytest tests",
                        "ctest --output-on-failure",
                        "make test",
                        "make -j4",
                        "make",
                        "npm test",
                        "npm run lint",
                        "yarn test",
                        "cargo test --all",
                        "cargo clippy",
                        "go test ./...",
                        "go vet ./...",
                        "npx tsc --noEmit",
                        "eslint src",
                        "ruff check .",
                        "mypy src",
                        "cmake --build build",
                        "cd build && ctest",
                        "/bin/bash -lc 'npm test'",
                        "./gradlew test",
                        "python -m unittest discover"}) {
    EXPECT_TRUE(is_verification_command(c)) << c;
  }
  for (const char* c : {"ls", "cat pytest.ini", "git status", "echo make", "rg test src",
                        "sed -n 1,20p Makefile", "npm install", "go run main.go", ""}) {
    EXPECT_FALSE(is_verification_command(c)) << c;
  }
}

}  // namespace
}  // namespace companion::codex
