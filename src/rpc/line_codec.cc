#include "rpc/line_codec.h"

#include <fmt/format.h>

namespace companion::rpc {

std::string describe_size(std::size_t bytes) {
  constexpr std::size_t kKiB = 1024;
  constexpr std::size_t kMiB = 1024 * kKiB;
  if (bytes >= kMiB && bytes % kMiB == 0) return fmt::format("{} MiB", bytes / kMiB);
  if (bytes >= kKiB && bytes % kKiB == 0) return fmt::format("{} KiB", bytes / kKiB);
  return fmt::format("{} bytes", bytes);
}

Status LineCodec::overflow() {
  failed_ = true;
  partial_.clear();
  partial_.shrink_to_fit();
  return make_error("received a line longer than the {} limit", describe_size(max_line_));
}

void LineCodec::emit(std::string& line, std::vector<std::string>& lines) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!line.empty()) lines.push_back(std::move(line));
  line.clear();
}

Status LineCodec::feed(std::string_view data, std::vector<std::string>& lines) {
  if (failed_) return make_error("the line stream already failed");
  while (!data.empty()) {
    std::size_t newline = data.find('\n');
    std::string_view piece = data.substr(0, newline);
    if (piece.size() > max_line_ - partial_.size()) return overflow();
    partial_.append(piece);
    if (newline == std::string_view::npos) break;
    emit(partial_, lines);
    data.remove_prefix(newline + 1);
  }
  return {};
}

}  // namespace companion::rpc
