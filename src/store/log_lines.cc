#include "store/log_lines.h"

#include <algorithm>
#include <utility>

namespace companion::store {

std::vector<std::string> last_lines(std::string_view tail, size_t count, bool cut,
                                    std::string& rest) {
  rest.clear();
  if (cut) {
    size_t first = tail.find('\n');
    tail.remove_prefix(first == std::string_view::npos ? tail.size() : first + 1);
  }
  size_t end = tail.rfind('\n');
  if (end == std::string_view::npos) {
    rest.assign(tail);
    return {};
  }
  rest.assign(tail.substr(end + 1));
  std::vector<std::string> lines;
  // Walk back from the last newline, one line at a time, until `count` lines are taken.
  while (lines.size() < count) {
    size_t begin = end == 0 ? std::string_view::npos : tail.rfind('\n', end - 1);
    size_t from = begin == std::string_view::npos ? 0 : begin + 1;
    lines.emplace_back(tail.substr(from, end - from));
    if (begin == std::string_view::npos) break;
    end = begin;
  }
  std::reverse(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> LineSplitter::feed(std::string_view bytes) {
  std::vector<std::string> lines;
  while (!bytes.empty()) {
    size_t newline = bytes.find('\n');
    size_t take = newline == std::string_view::npos ? bytes.size() : newline;
    take = std::min(take, kMaxLineBytes - std::min(kMaxLineBytes, partial_.size()));
    partial_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    bool ended = !bytes.empty() && bytes.front() == '\n';
    if (ended) bytes.remove_prefix(1);
    if (ended || partial_.size() >= kMaxLineBytes) lines.push_back(std::exchange(partial_, {}));
  }
  return lines;
}

std::string LineSplitter::take_rest() {
  return std::exchange(partial_, {});
}

}  // namespace companion::store
