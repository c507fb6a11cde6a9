// SHA-256 (FIPS 180-4), used to name workspace state directories.
#pragma once

#include <string>
#include <string_view>

namespace companion::sys {

// Lowercase hex digest of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace companion::sys
