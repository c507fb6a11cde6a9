#include "git/ref_argument.h"

namespace companion::git {

namespace {

constexpr size_t kMaxRefBytes = 1024;

std::string_view ref_problem(std::string_view ref) {
  if (ref.empty()) return "it is empty";
  if (ref.size() > kMaxRefBytes) return "it is longer than 1024 bytes";
  if (ref.front() == '-') return "it starts with '-', so git would read it as an option";
  for (char c : ref) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7F) return "it contains whitespace or control characters";
  }
  return {};
}

}  // namespace

Status check_ref_argument(std::string_view ref, std::string_view source) {
  std::string_view problem = ref_problem(ref);
  if (problem.empty()) return {};
  // Long names are cut in the message; control characters are made visible by the output layer.
  std::string shown(ref.substr(0, 200));
  return make_error("refusing {} '{}': {}; pass a branch, tag or commit such as --base main",
                    source, shown, problem);
}

}  // namespace companion::git
