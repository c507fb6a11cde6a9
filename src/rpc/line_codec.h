// Splits a byte stream into newline-terminated lines with a bound on the line length (sans-IO).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sys/result.h"

namespace companion::rpc {

inline constexpr std::size_t kDefaultMaxLine = 16 * 1024 * 1024;

// Feed it chunks as they arrive; it hands back every complete line. A trailing "\r" is dropped
// (CRLF input) and empty lines are skipped. The bytes it holds never exceed `max_line`: a line
// longer than that (not counting its "\n", counting a "\r" before it) is an error, after which
// the codec stays failed and rejects further input.
// Not thread-safe.
class LineCodec {
 public:
  explicit LineCodec(std::size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}

  // Appends the lines completed by `data` to `lines`. On an oversized line the lines completed
  // before it are still appended, then the error is returned.
  Status feed(std::string_view data, std::vector<std::string>& lines);

  // Bytes of the incomplete last line held so far.
  std::size_t buffered() const { return partial_.size(); }
  std::size_t max_line() const { return max_line_; }
  bool failed() const { return failed_; }

 private:
  Status overflow();
  void emit(std::string& line, std::vector<std::string>& lines);

  std::size_t max_line_;
  std::string partial_;
  bool failed_ = false;
};

// "16 MiB", "512 KiB", "100 bytes": sizes in messages.
std::string describe_size(std::size_t bytes);

}  // namespace companion::rpc
