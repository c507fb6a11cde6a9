// One function per command; each returns the process exit status.
#pragma once

#include "cli/context.h"

namespace companion::cli {

int run_status(Context& ctx);
int run_result(Context& ctx);
int run_cancel(Context& ctx);
int run_setup(Context& ctx);
int run_task(Context& ctx);
int run_task_worker(Context& ctx);
int run_notify_job(Context& ctx);
int run_task_resume_candidate(Context& ctx);
int run_review(Context& ctx);
int run_adversarial_review(Context& ctx);
int run_hook(Context& ctx);
int run_transfer(Context& ctx);
int run_broker(Context& ctx);
int run_apply(Context& ctx);
int run_logs(Context& ctx);
int run_retry(Context& ctx);
int run_config(Context& ctx);
int run_queue(Context& ctx);
int run_steer(Context& ctx);
int run_mcp(Context& ctx);

}  // namespace companion::cli
