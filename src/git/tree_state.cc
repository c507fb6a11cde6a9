#include "git/tree_state.h"

#include <charconv>
#include <map>

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

Result<std::string> object_id_output(sys::Env& env, const std::string& root,
                                     const std::vector<std::string>& args,
                                     const GitOptions& options) {
  auto out = git_output(env, root, args, options);
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

Result<TreeState> snapshot_tree(sys::Env& env, const std::string& root,
                                const std::string& scratch_index) {
  TreeState state;
  if (has_head_commit(env, root)) {
    auto head = object_id_output(env, root, {"rev-parse", "--verify", "HEAD^{commit}"}, {});
    if (!head) return head.error();
    state.head = *head;
  }
  (void)env.remove_file(scratch_index);
  GitOptions scratch;
  scratch.env = {{"GIT_INDEX_FILE", scratch_index}};
  Status staged;
  if (!state.head.empty()) {
    auto read = git_output(env, root, {"read-tree", kEndOfOptions, state.head}, scratch);
    if (!read) staged = read.error();
  }
  if (staged) {
    // -A from the top: every tracked and untracked file, deletions included.
    auto added = git_output(env, root, {"add", "-A", "--", ":/"}, scratch);
    if (!added) staged = added.error();
  }
  Result<std::string> tree = staged ? object_id_output(env, root, {"write-tree"}, scratch)
                                    : Result<std::string>(staged.error());
  (void)env.remove_file(scratch_index);
  if (!tree) return make_error("cannot snapshot the work tree {}: {}", root, tree.error().message);
  state.tree = *tree;
  return state;
}

namespace {

// ":100644 100755 <id> <id> M" -> the change's modes and status; false when malformed.
bool parse_raw_header(const std::string& header, TreeChange& change) {
  if (header.size() < 2 || header[0] != ':') return false;
  std::vector<std::string> words;
  size_t start = 1;
  while (start <= header.size()) {
    size_t end = header.find(' ', start);
    if (end == std::string::npos) end = header.size();
    words.push_back(header.substr(start, end - start));
    start = end + 1;
  }
  if (words.size() != 5 || words[4].empty()) return false;
  auto mode = [](const std::string& m) { return m == "000000" ? std::string() : m; };
  change.old_mode = mode(words[0]);
  change.new_mode = mode(words[1]);
  change.status = words[4][0];
  return true;
}

}  // namespace

std::vector<TreeChange> parse_raw(const std::string& output) {
  std::vector<TreeChange> changes;
  std::vector<std::string> fields = split_nul(output);
  for (size_t i = 0; i + 1 < fields.size() && fields[i].front() == ':'; i += 2) {
    TreeChange change;
    if (!parse_raw_header(fields[i], change)) break;
    change.path = fields[i + 1];
    changes.push_back(std::move(change));
  }
  return changes;
}

DiffStat parse_numstat(const std::string& output, size_t max_files) {
  DiffStat stat;
  std::vector<TreeChange> raw = parse_raw(output);
  std::map<std::string, const TreeChange*> by_path;
  for (const auto& change : raw) by_path.emplace(change.path, &change);
  std::vector<std::string> records = split_nul(output);
  for (size_t r = 2 * raw.size(); r < records.size(); ++r) {
    const std::string& record = records[r];
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
    if (auto it = by_path.find(file.path); it != by_path.end()) {
      file.status = it->second->status;
      file.old_mode = it->second->old_mode;
      file.new_mode = it->second->new_mode;
    }
    ++stat.files_changed;
    stat.insertions += file.insertions;
    stat.deletions += file.deletions;
    if (stat.files.size() < max_files) stat.files.push_back(std::move(file));
  }
  return stat;
}

Result<DiffStat> diff_trees(sys::Env& env, const std::string& root, const std::string& before,
                            const std::string& after, size_t max_files) {
  if (!is_object_id(before) || !is_object_id(after)) {
    return make_error("cannot compare the work tree: a snapshot id is not an object id");
  }
  GitOptions options;
  options.max_stdout_bytes = 16 * 1024 * 1024;
  // Plumbing: no external diff driver or textconv from the repository's attributes runs.
  auto out = git_output(
      env, root,
      {"diff-tree", "-r", "--raw", "--numstat", "-z", "--no-renames", kEndOfOptions, before, after},
      options);
  if (!out) return out.error();
  return parse_numstat(*out, max_files);
}

}  // namespace companion::git
