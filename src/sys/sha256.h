// SHA-256 (FIPS 180-4), used to name workspace state directories and to recognise a transcript
// Codex imported before (its ledger records the content's digest).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sys/fs.h"
#include "sys/result.h"

namespace companion::sys {

// An incremental digest: update() any number of times with consecutive pieces of the data, then
// hex_digest() once. Memory is constant (one 64-byte block), whatever the data's size.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  // Lowercase hex digest of everything given to update(). Call once: it pads the data.
  std::string hex_digest();

 private:
  std::array<uint32_t, 8> state_;
  std::array<unsigned char, 64> block_{};
  size_t block_used_ = 0;
  uint64_t length_ = 0;  // bytes given so far
};

// Lowercase hex digest of `data`.
std::string sha256_hex(std::string_view data);

// Lowercase hex digest of the regular file `path`, read in 64 KiB pieces (constant memory
// whatever the file's size). Same refusals as read_file (sys/fs.h): no FIFO, device or directory,
// and with Links::kRefuse no symlink. Errors: the file cannot be opened or read.
Result<std::string> sha256_file_hex(const std::string& path, Links links);

}  // namespace companion::sys
