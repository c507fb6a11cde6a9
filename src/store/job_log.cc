#include "store/job_log.h"

#include <fmt/format.h>

#include "sys/clock.h"
#include "sys/terminal_text.h"

namespace companion::store {

namespace {
constexpr size_t kPreviewBytes = 64 * 1024;
constexpr std::string_view kBlockMark = "== ";

// fmt, not "[" + std::string&&: GCC 12 at -O3 reports a false -Wrestrict on the latter (GCC bug
// 105651).
std::string stamp(sys::Env& env) {
  return fmt::format("[{}] ", sys::iso_time(env.now_ms()));
}
}  // namespace

std::string log_line(sys::Env& env, const std::string& message) {
  std::string line = stamp(env);
  std::string flat;
  for (char c : message) flat.push_back(c == '\n' || c == '\r' ? ' ' : c);
  line += sys::printable_text(flat);
  line.push_back('\n');
  return line;
}

Status append_log_line(sys::Env& env, const std::string& path, const std::string& message) {
  return env.append_file(path, log_line(env, message));
}

Status append_log_block(sys::Env& env, const std::string& path, const std::string& title,
                        const std::string& raw_body) {
  std::string body = sys::printable_text(raw_body);
  std::string text = stamp(env);
  std::string flat_title;
  for (char c : title) flat_title.push_back(c == '\n' ? ' ' : c);
  text.append(kBlockMark).append(sys::printable_text(flat_title)).append(" ==\n");
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    if (end > start || end < body.size())
      text.append("  ").append(body, start, end - start) += '\n';
    start = end + 1;
  }
  return env.append_file(path, text);
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

std::vector<std::string> progress_preview(sys::Env& env, const std::string& path, size_t count) {
  auto tail = env.read_tail(path, kPreviewBytes);
  if (!tail) return {};
  return progress_lines_in(*tail, count);
}

}  // namespace companion::store
