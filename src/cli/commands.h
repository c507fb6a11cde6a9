// One function per command; each returns the process exit status.
#pragma once

#include "cli/context.h"

namespace companion::cli {

int run_status(Context& ctx);
int run_result(Context& ctx);
int run_cancel(Context& ctx);
int run_setup(Context& ctx);

}  // namespace companion::cli
