// Resolving a user's job reference (SPEC.md section 1): an exact id or a unique prefix in this
// workspace; a full id is also found in the other workspaces' stores.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.h"
#include "store/job_store.h"
#include "sys/result.h"

namespace companion::cli {

struct ResolvedJob {
  store::Job job;
  // The store holding the job: the current workspace's, or another one opened for it.
  store::JobStore* store = nullptr;
  std::unique_ptr<store::JobStore> other_store;
};

// The job reference among a command's positionals, checked before any file is touched: at most
// one, and of the job id alphabet (store::validate_job_ref). `command` names the command in the
// error.
Status check_job_ref_args(const std::vector<std::string>& positionals, const char* command);

// REQUIRES: `local` is the current workspace's store, settled by the caller. Another
// workspace's store opens with ctx.store_options() and is settled (cli::settle) before its job is
// read, as the caller's own was.
Result<ResolvedJob> resolve_job_ref(const Context& ctx, store::JobStore& local,
                                    const std::string& ref);

}  // namespace companion::cli
