// Fuzz target: rpc::LineCodec (rpc/line_codec.h) fed random bytes in random chunks.
//
// Input: the bound and the chunk sizes are taken from the end of the input, the bytes of the
// stream from its front (FuzzedDataProvider), so mutations change the chunking and the bytes
// independently.
// Invariants:
//   - the codec never holds more than its bound (buffered() <= max_line());
//   - the lines it hands back are exactly those of a reference splitter over the bytes fed so
//     far (split at "\n", one trailing "\r" dropped, empty lines skipped), however the stream is
//     chunked;
//   - it fails exactly when a line (or the unfinished last one) exceeds the bound, still hands
//     back the lines before it, holds nothing afterwards and rejects every later chunk.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "rpc/line_codec.h"

namespace {

struct Expected {
  std::vector<std::string> lines;
  bool overflow = false;
  std::size_t partial = 0;  // bytes of the unfinished last line
};

Expected reference_split(std::string_view stream, std::size_t max_line) {
  Expected out;
  std::size_t start = 0;
  while (true) {
    std::size_t newline = stream.find('\n', start);
    bool complete = newline != std::string_view::npos;
    std::string_view line = stream.substr(start, complete ? newline - start : stream.npos);
    if (line.size() > max_line) {
      out.overflow = true;
      return out;
    }
    if (!complete) {
      out.partial = line.size();
      return out;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.lines.emplace_back(line);
    start = newline + 1;
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::size_t max_line = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::size_t>(1, 300)
                                          : companion::rpc::kDefaultMaxLine;
  companion::rpc::LineCodec codec(max_line);
  FUZZ_CHECK(!companion::rpc::describe_size(max_line).empty(), "describe_size");
  std::string stream;  // every byte fed before the codec failed
  std::vector<std::string> got;
  bool failed = false;
  while (in.remaining_bytes() > 0) {
    std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 2 * 300 + 2);
    std::string chunk = in.ConsumeBytesAsString(n);
    std::vector<std::string> lines;
    companion::Status status = codec.feed(chunk, lines);
    if (failed) {
      FUZZ_CHECK(!status.ok() && lines.empty(), "a failed codec rejects later input");
    } else {
      stream += chunk;
      got.insert(got.end(), lines.begin(), lines.end());
      failed = !status.ok();
    }
    FUZZ_CHECK(codec.failed() == failed, "failed() matches the status returned");
    FUZZ_CHECK(codec.buffered() <= codec.max_line(), "never holds more than its bound");
    if (failed) FUZZ_CHECK(codec.buffered() == 0, "holds nothing after failing");
  }
  Expected expected = reference_split(stream, max_line);
  FUZZ_CHECK(failed == expected.overflow, "fails exactly on an oversized line");
  FUZZ_CHECK(got == expected.lines, "lines match the reference splitter");
  if (!failed) FUZZ_CHECK(codec.buffered() == expected.partial, "holds the unfinished line");
  return 0;
}
