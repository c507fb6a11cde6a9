#include "store/job_id.h"

#include <random>

namespace companion::store {

std::string to_base36(uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[value % 36]);
    value /= 36;
  } while (value != 0);
  return out;
}

std::string new_job_id(std::string_view prefix, int64_t epoch_ms) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<uint64_t> dist(0, 36ULL * 36 * 36 * 36 * 36 * 36 - 1);
  std::string random = to_base36(dist(rng));
  random.insert(random.begin(), 6 - random.size(), '0');
  return std::string(prefix) + "-" + to_base36(static_cast<uint64_t>(epoch_ms)) + "-" + random;
}

Status validate_job_ref(std::string_view ref) {
  if (ref.empty()) return make_error("empty job id; run `codex-companion status` to list jobs");
  if (ref.size() > kMaxJobRefLength) {
    return make_error(
        "invalid job id: longer than {} characters; run `codex-companion status` to list jobs",
        kMaxJobRefLength);
  }
  for (char c : ref) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      return make_error(
          "invalid job id: only lowercase letters, digits and '-' are allowed (at most 64); run "
          "`codex-companion status` to list jobs");
    }
  }
  return {};
}

}  // namespace companion::store
