// Refs and revisions that reach git's command line. A repository controls its ref names (a
// clone's remote HEAD can be a branch called `--output=/some/file`) and the user types --base;
// either must never be read by git as an option. Two rules close that:
//   1. every ref, revision or path from the repository or the user is checked by
//      check_ref_argument(), wherever it comes from (--base, origin/HEAD, the main/master
//      defaults, merge-base output);
//   2. every git command places such arguments after `--end-of-options` (git >= 2.24; for
//      rev-parse >= 2.30) or `--`, so even a name the check let through is never an option.
#pragma once

#include <string>
#include <string_view>

#include "sys/result.h"

namespace companion::git {

inline constexpr const char* kEndOfOptions = "--end-of-options";

// Accepts a ref or revision expression (`main`, `origin/main`, `v1.2`, `HEAD~2`, a commit id).
// Refuses, with one actionable line naming `source` (e.g. "base ref", "origin/HEAD"): an empty
// name, one longer than 1024 bytes, one that starts with '-', and one containing whitespace or
// control characters.
Status check_ref_argument(std::string_view ref, std::string_view source);

}  // namespace companion::git
