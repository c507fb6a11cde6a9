#include "cli/job_ref.h"

#include "store/job_id.h"
#include "sys/fs.h"

namespace companion::cli {

namespace {

// Looks for an exact id in every other workspace under the state root.
Result<std::optional<ResolvedJob>> find_elsewhere(const Context& ctx, const store::JobStore& local,
                                                  const std::string& id) {
  sys::Env& env = local.env();
  std::string root = sys::dirname_of(local.workspace().state_dir);
  auto names = env.list_dir(root);
  if (!names) return std::optional<ResolvedJob>();
  for (const auto& name : *names) {
    std::string state_dir = sys::join_path(root, name);
    if (state_dir == local.workspace().state_dir) continue;
    store::Workspace ws{"", state_dir};
    if (!env.path_exists(ws.log_path(id)) && !env.path_exists(ws.lock_path(id))) continue;
    auto other = store::JobStore::open_existing(ws, env, ctx.store_options());
    if (!other || !other->has_value()) continue;  // an unreadable store elsewhere is not ours
    auto owned = std::make_unique<store::JobStore>(std::move(**other));
    COMPANION_TRY(settle(ctx, *owned));
    auto job = owned->get(id);
    if (!job) return job.error();
    if (!job->has_value()) continue;
    ResolvedJob found{std::move(**job), nullptr, std::move(owned)};
    found.store = found.other_store.get();
    return std::optional<ResolvedJob>(std::move(found));
  }
  return std::optional<ResolvedJob>();
}

// Looks for an exact id among the jobs retention removed in the other workspaces' stores (read
// only: nothing is created or migrated there).
std::optional<store::PrunedJob> pruned_elsewhere(const store::JobStore& local,
                                                 const store::JobStore::Options& options,
                                                 const std::string& id) {
  sys::Env& env = local.env();
  std::string root = sys::dirname_of(local.workspace().state_dir);
  auto names = env.list_dir(root);
  if (!names) return std::nullopt;
  for (const auto& name : *names) {
    std::string state_dir = sys::join_path(root, name);
    if (state_dir == local.workspace().state_dir) continue;
    store::Workspace ws{"", state_dir};
    if (!env.path_exists(ws.db_path())) continue;
    auto found = store::JobStore::find_pruned(env, ws, id, options.busy_timeout_ms);
    if (found && found->has_value()) return **found;
  }
  return std::nullopt;
}

}  // namespace

Status check_job_ref_args(const std::vector<std::string>& positionals, const char* command) {
  if (positionals.size() > 1) {
    return make_error("{} takes at most one job id; run `codex-companion {} --help`", command,
                      command);
  }
  if (positionals.empty()) return {};
  return store::validate_job_ref(positionals[0]);
}

Result<ResolvedJob> resolve_job_ref(const Context& ctx, store::JobStore& local,
                                    const std::string& ref) {
  COMPANION_TRY(store::validate_job_ref(ref));
  auto exact = local.get(ref);
  if (!exact) return exact.error();
  if (exact->has_value()) return ResolvedJob{std::move(**exact), &local, nullptr};
  auto matches = local.with_prefix(ref, 4);
  if (!matches) return matches.error();
  if (matches->size() == 1) return ResolvedJob{std::move(matches->front()), &local, nullptr};
  if (matches->size() > 1) {
    std::string list;
    for (size_t i = 0; i < matches->size() && i < 3; ++i) {
      list += (i ? ", " : "") + (*matches)[i].id;
    }
    return make_error("job id prefix '{}' is ambiguous (matches {}{}); give more characters", ref,
                      list, matches->size() > 3 ? ", …" : "");
  }
  // Never "no job" for one that retention removed: say so, here or in another workspace.
  auto pruned = local.pruned(ref);
  if (!pruned) return pruned.error();
  if (pruned->has_value())
    return make_coded_error(ErrorCode::kNotFound, "{}", store::pruned_message(**pruned));
  auto elsewhere = find_elsewhere(ctx, local, ref);
  if (!elsewhere) return elsewhere.error();
  if (elsewhere->has_value()) return std::move(**elsewhere);
  if (auto gone = pruned_elsewhere(local, ctx.store_options(), ref)) {
    return make_coded_error(ErrorCode::kNotFound, "{}", store::pruned_message(*gone));
  }
  return make_error(
      "no job '{}' in this workspace or any other; run `codex-companion status --all` "
      "to list jobs",
      ref);
}

}  // namespace companion::cli
