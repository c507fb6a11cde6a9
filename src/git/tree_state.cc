#include "git/tree_state.h"

#include <charconv>

#include "git/git_command.h"
#include "git/ref_argument.h"
#include "sys/fs.h"

namespace companion::git {

namespace {

// A numstat count; nullopt for "-" (binary) or anything that is not a number.
std::optional<int64_t> parse_count(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

Result<std::string> object_id_output(const std::string& root, const std::vector<std::string>& args,
                                     const GitOptions& options) {
  auto out = git_output(root, args, options);
  if (!out) return out.error();
  std::string id = trim_right(*out);
  if (!is_object_id(id)) return make_error("git {} printed no object id", args.front());
  return id;
}

}  // namespace

bool is_object_id(const std::string& id) {
  if (id.size() != 40 && id.size() != 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<TreeState> snapshot_tree(const std::string& root, const std::string& scratch_index) {
  TreeState state;
  if (has_head_commit(root)) {
    auto head = object_id_output(root, {"rev-parse", "--verify", "HEAD^{commit}"}, {});
    if (!head) return head.error();
    state.head = *head;
  }
  (void)sys::remove_file(scratch_index);
  GitOptions scratch;
  scratch.env = {{"GIT_INDEX_FILE", scratch_index}};
  Status staged;
  if (!state.head.empty()) {
    auto read = git_output(root, {"read-tree", kEndOfOptions, state.head}, scratch);
    if (!read) staged = read.error();
  }
  if (staged) {
    // -A from the top: every tracked and untracked file, deletions included.
    auto added = git_output(root, {"add", "-A", "--", ":/"}, scratch);
    if (!added) staged = added.error();
  }
  Result<std::string> tree = staged ? object_id_output(root, {"write-tree"}, scratch)
                                    : Result<std::string>(staged.error());
  (void)sys::remove_file(scratch_index);
  if (!tree) return make_error("cannot snapshot the work tree {}: {}", root, tree.error().message);
  state.tree = *tree;
  return state;
}

DiffStat parse_numstat(const std::string& output, size_t max_files) {
  DiffStat stat;
  for (const auto& record : split_nul(output)) {
    size_t tab1 = record.find('\t');
    size_t tab2 = tab1 == std::string::npos ? tab1 : record.find('\t', tab1 + 1);
    if (tab2 == std::string::npos || tab2 + 1 >= record.size()) continue;
    std::string_view added(record.data(), tab1);
    std::string_view deleted(record.data() + tab1 + 1, tab2 - tab1 - 1);
    FileStat file;
    file.path = record.substr(tab2 + 1);
    auto a = parse_count(added);
    auto d = parse_count(deleted);
    if (a && d) {
      file.insertions = *a;
      file.deletions = *d;
    } else if (added == "-" && deleted == "-") {
      file.binary = true;
    } else {
      continue;
    }
    ++stat.files_changed;
    stat.insertions += file.insertions;
    stat.deletions += file.deletions;
    if (stat.files.size() < max_files) stat.files.push_back(std::move(file));
  }
  return stat;
}

Result<DiffStat> diff_trees(const std::string& root, const std::string& before,
                            const std::string& after, size_t max_files) {
  if (!is_object_id(before) || !is_object_id(after)) {
    return make_error("cannot compare the work tree: a snapshot id is not an object id");
  }
  GitOptions options;
  options.max_stdout_bytes = 16 * 1024 * 1024;
  // Plumbing: no external diff driver or textconv from the repository's attributes runs.
  auto out = git_output(
      root, {"diff-tree", "-r", "--numstat", "-z", "--no-renames", kEndOfOptions, before, after},
      options);
  if (!out) return out.error();
  return parse_numstat(*out, max_files);
}

}  // namespace companion::git
