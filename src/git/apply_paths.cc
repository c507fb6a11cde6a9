#include "git/apply_paths.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace companion::git {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The components of `path` ("a/b/c" -> a, b, c); empty ones kept, so "a//b" shows one.
std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t end = path.find('/', start);
    parts.push_back(path.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

bool bad_component(const std::string& part) {
  return part.empty() || part == "." || part == ".." || lower(part) == ".git";
}

struct Plan {
  std::set<std::string> deleted_links;  // symlinks the change deletes or replaces
  std::set<std::string> created_links;  // symlinks the change creates, lower-cased
};

Plan plan_of(const std::vector<TreeChange>& changes) {
  Plan plan;
  for (const auto& c : changes) {
    if (c.old_mode == kModeSymlink && c.new_mode != kModeSymlink) {
      plan.deleted_links.insert(c.path);
    }
    if (c.new_mode == kModeSymlink) plan.created_links.insert(lower(c.path));
  }
  return plan;
}

std::optional<UnsafePath> check_one(const TreeChange& change, const Plan& plan,
                                    const PathKindOf& kind_of) {
  std::vector<std::string> parts = components(change.path);
  std::string prefix;
  bool missing = false;  // a component does not exist: nothing below it does
  for (size_t i = 0; i < parts.size(); ++i) {
    if (bad_component(parts[i])) return UnsafePath{change.path, "", "names .git or a parent"};
    prefix += (i == 0 ? "" : "/") + parts[i];
    bool last = i + 1 == parts.size();
    if (!last && plan.created_links.count(lower(prefix)) > 0) {
      return UnsafePath{change.path, prefix, "goes through a symlink the change itself creates"};
    }
    if (missing) continue;
    sys::PathKind kind = kind_of(prefix);
    if (kind == sys::PathKind::kSymlink) {
      if (last && change.old_mode == kModeSymlink) continue;  // the link itself changes
      if (!last && plan.deleted_links.count(prefix) > 0) {
        missing = true;  // deleted first: what follows is created in a new, real directory
        continue;
      }
      return UnsafePath{change.path, prefix, "goes through the symlink", true};
    }
    if (kind == sys::PathKind::kOther && !last) {
      return UnsafePath{change.path, prefix, "goes through something that is not a directory",
                        true};
    }
    missing = kind == sys::PathKind::kMissing;
  }
  return std::nullopt;
}

}  // namespace

std::optional<UnsafePath> find_unsafe_apply_path(const std::vector<TreeChange>& changes,
                                                 const PathKindOf& kind_of) {
  Plan plan = plan_of(changes);
  for (const auto& change : changes) {
    if (auto unsafe = check_one(change, plan, kind_of)) return unsafe;
  }
  return std::nullopt;
}

}  // namespace companion::git
