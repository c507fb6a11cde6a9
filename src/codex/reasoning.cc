#include "codex/reasoning.h"

#include "sys/text.h"

namespace companion::codex {

namespace {

constexpr int kMaxDepth = 8;

struct Collector {
  size_t max_sections;
  size_t max_bytes;
  std::vector<std::string> out;

  void add(const nlohmann::json& value, int depth) {
    if (depth > kMaxDepth || out.size() >= max_sections) return;
    if (value.is_string()) {
      std::string section = sys::excerpt(value.get_ref<const std::string&>(), max_bytes);
      if (!section.empty()) out.push_back(std::move(section));
    } else if (value.is_array()) {
      for (const auto& entry : value) add(entry, depth + 1);
    } else if (value.is_object()) {
      auto text = value.find("text");
      if (text != value.end() && text->is_string()) {
        add(*text, depth + 1);
        return;
      }
      for (const char* key : {"summary", "content", "parts"}) {
        auto inner = value.find(key);
        if (inner != value.end()) {
          add(*inner, depth + 1);
          return;
        }
      }
    }
  }
};

}  // namespace

std::vector<std::string> reasoning_sections(const nlohmann::json& summary, size_t max_sections,
                                            size_t max_section_bytes) {
  Collector c{max_sections, max_section_bytes, {}};
  c.add(summary, 0);
  return std::move(c.out);
}

}  // namespace companion::codex
