// read_stdin_within: hook input arrives on a socket (Claude Code 2.1.332), a pipe or a file, and
// must be read bounded in size and time whatever it is.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "sys/clock.h"
#include "sys/fs.h"

namespace companion::sys {
namespace {

// Puts `fd` on stdin for the life of the object, then restores the original.
class StdinFrom {
 public:
  explicit StdinFrom(int fd) : saved_(::dup(STDIN_FILENO)) {
    ::dup2(fd, STDIN_FILENO);
    ::close(fd);
  }
  ~StdinFrom() {
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

void write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

TEST(ReadStdinWithin, ReadsASocketToItsEnd) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  StdinFrom in(fds[0]);
  std::thread writer([fd = fds[1]] {
    write_all(fd, "{\"session_id\":");
    ::usleep(50 * 1000);  // the input may come in pieces
    write_all(fd, "\"s\"}");
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  });
  auto text = read_stdin_within(1024, 5000);
  writer.join();
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "{\"session_id\":\"s\"}");
}

TEST(ReadStdinWithin, ReadsAFileAndDevNull) {
  char path[] = "/tmp/companion-stdin-XXXXXX";
  int fd = ::mkstemp(path);
  write_all(fd, "{}");
  ::lseek(fd, 0, SEEK_SET);
  {
    StdinFrom in(fd);
    EXPECT_EQ(*read_stdin_within(1024, 1000), "{}");
  }
  ::unlink(path);
  StdinFrom null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(*read_stdin_within(1024, 1000), "");
}

TEST(ReadStdinWithin, LargerThanTheBoundIsAnErrorAfterDraining) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  StdinFrom in(fds[0]);
  std::string big(3 * 65536, 'x');
  bool all_written = false;
  std::thread writer([&, fd = fds[1]] {
    write_all(fd, big);  // would block forever if the reader stopped at the bound
    all_written = true;
    ::close(fd);
  });
  auto text = read_stdin_within(1000, 5000);
  writer.join();
  EXPECT_TRUE(all_written);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("larger than 1000 bytes"), std::string::npos);
}

TEST(ReadStdinWithin, InputThatNeverEndsIsCutAtTheDeadline) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  StdinFrom in(fds[0]);
  write_all(fds[1], "{\"partial\":");  // and the writer never closes
  int64_t start = monotonic_ms();
  auto text = read_stdin_within(1024, 300);
  int64_t took = monotonic_ms() - start;
  ::close(fds[1]);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("did not end within 300 ms"), std::string::npos);
  EXPECT_GE(took, 290);
  EXPECT_LT(took, 3000);
}

}  // namespace
}  // namespace companion::sys
