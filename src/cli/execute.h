// Shared by task, review and adversarial-review: create the job, then run it in the foreground
// or hand it to a background worker.
#pragma once

#include "cli/context.h"
#include "jobs/request.h"

namespace companion::cli {

// Validates --model (the `spark` alias) and --effort into the request.
Status apply_model_options(const Context& ctx, jobs::JobRequest& request);

// Creates the job and runs it (foreground) or launches its worker (--background).
// Returns the exit status: 0 when the turn completed (or the launch succeeded).
int execute_request(Context& ctx, const jobs::JobRequest& request, bool background);

}  // namespace companion::cli
