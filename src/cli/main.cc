#include "cli/main.h"

namespace companion::cli {
int run_main(int, char**) { return 0; }
}  // namespace companion::cli
