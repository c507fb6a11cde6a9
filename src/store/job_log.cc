#include "store/job_log.h"

#include <fmt/format.h>

#include "sys/clock.h"
#include "sys/fs.h"

namespace companion::store {

namespace {
constexpr size_t kPreviewBytes = 64 * 1024;
constexpr std::string_view kBlockMark = "== ";

// fmt, not "[" + std::string&&: GCC 12 at -O3 reports a false -Wrestrict on the latter (GCC bug
// 105651).
std::string stamp() {
  return fmt::format("[{}] ", sys::iso_time(sys::now_ms()));
}
}  // namespace

Status append_log_line(const std::string& path, const std::string& message) {
  std::string line = stamp();
  for (char c : message) line.push_back(c == '\n' || c == '\r' ? ' ' : c);
  line.push_back('\n');
  return sys::append_file(path, line);
}

Status append_log_block(const std::string& path, const std::string& title,
                        const std::string& body) {
  std::string text = stamp();
  text.append(kBlockMark).append(title).append(" ==\n");
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    if (end > start || end < body.size())
      text.append("  ").append(body, start, end - start) += '\n';
    start = end + 1;
  }
  return sys::append_file(path, text);
}

std::vector<std::string> progress_lines_in(const std::string& tail, size_t count) {
  std::vector<std::string> lines;
  size_t end = tail.size();
  while (end > 0 && lines.size() < count) {
    size_t newline = tail.rfind('\n', end - 1);
    size_t begin = newline == std::string::npos ? 0 : newline + 1;
    std::string_view line(tail.data() + begin, end - begin);
    end = newline == std::string::npos ? 0 : newline;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() != '[') continue;  // block body or a cut line
    size_t close = line.find("] ");
    if (close == std::string_view::npos) continue;
    std::string_view message = line.substr(close + 2);
    if (message.empty() || message.substr(0, kBlockMark.size()) == kBlockMark) continue;
    lines.emplace_back(message);
  }
  return {lines.rbegin(), lines.rend()};
}

std::vector<std::string> progress_preview(const std::string& path, size_t count) {
  auto tail = sys::read_tail(path, kPreviewBytes);
  if (!tail) return {};
  return progress_lines_in(*tail, count);
}

}  // namespace companion::store
