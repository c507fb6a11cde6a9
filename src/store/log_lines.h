// Reading a job log as lines (`logs`): its last lines, and the lines appended while it is followed.
// Pure: the caller reads the bytes (bounded) and prints the lines.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace companion::store {

// The last `count` complete lines of `tail` (without their newline), oldest first. `cut`: `tail`
// starts inside the file, so its first line may be a fragment and is dropped. Text after the last
// newline (a line still being written) is not a line: it goes to `rest`.
std::vector<std::string> last_lines(std::string_view tail, size_t count, bool cut,
                                    std::string& rest);

// Splits bytes appended to a log into lines, keeping an unfinished last line until its newline
// arrives. A line longer than kMaxLineBytes is returned in pieces of that size.
class LineSplitter {
 public:
  static constexpr size_t kMaxLineBytes = 64 * 1024;

  LineSplitter() = default;
  explicit LineSplitter(std::string rest) : partial_(std::move(rest)) {}
  std::vector<std::string> feed(std::string_view bytes);
  // The unfinished line, if any (at the end of a follow); empties it.
  std::string take_rest();

 private:
  std::string partial_;
};

}  // namespace companion::store
