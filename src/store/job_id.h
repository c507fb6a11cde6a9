// Job ids: <kind prefix>-<base36 ms>-<6 random base36>, and validation of user references.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sys/result.h"

namespace companion::store {

// Max length of a job reference (SPEC.md section 1).
inline constexpr size_t kMaxJobRefLength = 64;

std::string new_job_id(std::string_view prefix, int64_t epoch_ms);

std::string to_base36(uint64_t value);

// Checks a job reference (an id or a prefix of one) before any path is built from it:
// non-empty, at most 64 characters of [a-z0-9-].
Status validate_job_ref(std::string_view ref);

}  // namespace companion::store
