#include "git/context_text.h"

#include <fmt/format.h>

#include <algorithm>

#include "sys/fs.h"
#include "sys/text.h"

namespace companion::git {

std::string fenced(const std::string& text, const std::string& info) {
  size_t longest = 0;
  size_t run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(std::max<size_t>(3, longest + 1), '`');
  std::string out = fence + info + "\n" + text;
  if (!text.empty() && text.back() != '\n') out += '\n';
  return out + fence + "\n";
}

std::vector<std::string> split_diff_by_file(const std::string& diff) {
  std::vector<std::string> chunks;
  const std::string marker = "diff --git ";
  size_t start = 0;
  size_t pos = diff.rfind(marker, 0) == 0 ? 0 : diff.find("\n" + marker);
  while (pos != std::string::npos) {
    size_t line_start = diff[pos] == '\n' ? pos + 1 : pos;
    if (line_start > start) chunks.push_back(diff.substr(start, line_start - start));
    start = line_start;
    pos = diff.find("\n" + marker, line_start);
  }
  if (start < diff.size()) chunks.push_back(diff.substr(start));
  return chunks;
}

BoundedDiff bound_diff(const std::string& diff, size_t max_file_bytes) {
  BoundedDiff out;
  for (const auto& chunk : split_diff_by_file(diff)) {
    if (chunk.size() <= max_file_bytes) {
      out.text += chunk;
      continue;
    }
    ++out.omitted_files;
    std::string header = chunk.substr(0, chunk.find('\n'));
    out.text += fmt::format(
        "{}\n(this file's diff is omitted: {}, over the {} per-file limit; inspect it yourself "
        "with git diff)\n",
        header, format_size(chunk.size()), format_size(max_file_bytes));
  }
  return out;
}

bool looks_binary(const std::string& data) {
  return data.find('\0') != std::string::npos;
}

std::string format_size(size_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double kib = static_cast<double>(bytes) / 1024.0;
  if (kib < 1024) return fmt::format("{:.1f} KiB", kib);
  return fmt::format("{:.1f} MiB", kib / 1024.0);
}

namespace {

UntrackedFile left_out(UntrackedKind kind, const std::string& relative, const std::string& why) {
  return UntrackedFile{kind, fmt::format("### {}\n({})\n", sys::quote_path(relative), why), 0};
}

}  // namespace

UntrackedFile render_untracked_file(sys::Env& env, const std::string& root,
                                    const std::string& relative, size_t max_file_bytes,
                                    size_t budget) {
  const std::string path = sys::join_path(root, relative);
  switch (env.path_kind(path)) {
    case sys::PathKind::kRegular:
      break;
    case sys::PathKind::kSymlink:
      return left_out(UntrackedKind::kSkipped, relative, "skipped: symlink");
    case sys::PathKind::kDirectory:
      return left_out(UntrackedKind::kSkipped, relative, "skipped: directory");
    case sys::PathKind::kMissing:
      return left_out(UntrackedKind::kSkipped, relative, "skipped: cannot inspect it");
    case sys::PathKind::kOther:
      return left_out(UntrackedKind::kSkipped, relative, "skipped: not a regular file");
  }
  const int64_t measured = env.file_size(path);
  if (measured < 0) return left_out(UntrackedKind::kSkipped, relative, "skipped: cannot read it");
  const auto size = static_cast<uint64_t>(measured);
  if (size > max_file_bytes) {
    return left_out(UntrackedKind::kTooLarge, relative,
                    fmt::format("not included: {}, over the {} per-file limit; read it from the "
                                "repository",
                                format_size(size), format_size(max_file_bytes)));
  }
  // close-on-exec, unlike std::ifstream
  auto read = env.read_file(path, sys::kDefaultReadLimit, sys::Links::kRefuse);
  if (!read) return left_out(UntrackedKind::kSkipped, relative, "skipped: cannot read it");
  std::string data = std::move(*read);
  if (data.size() > max_file_bytes) {  // grew since it was measured
    return left_out(UntrackedKind::kTooLarge, relative,
                    fmt::format("not included: over the {} per-file limit; read it from the "
                                "repository",
                                format_size(max_file_bytes)));
  }
  if (looks_binary(data)) return left_out(UntrackedKind::kBinary, relative, "skipped: binary file");
  if (data.size() > budget) {
    return left_out(UntrackedKind::kTooLarge, relative,
                    "not included: the context size limit is reached; read it from the "
                    "repository");
  }
  size_t bytes = data.size();
  return UntrackedFile{UntrackedKind::kInlined,
                       "### " + sys::quote_path(relative) + "\n" + fenced(data), bytes};
}

}  // namespace companion::git
