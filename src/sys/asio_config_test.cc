// Asio's configuration before any other header of this file (see asio_config_order_test.cc).
#include <asio/detail/config.hpp>

#if defined(ASIO_HAS_STD_ALIGNED_ALLOC)
constexpr bool kAlignedAllocWhenAsioComesFirst = true;
#else
constexpr bool kAlignedAllocWhenAsioComesFirst = false;
#endif

#include <gtest/gtest.h>

namespace companion::sys {

bool asio_aligned_alloc_when_libstdcxx_comes_first();  // asio_config_order_test.cc

namespace {

// Found by fuzz/rpc_dispatch (alloc-dealloc-mismatch in asio::aligned_delete): Asio decided
// between aligned_alloc/free and operator new/delete by whether a libstdc++ header had been
// included before it, so two files disagreed about its inline allocator and memory one allocated
// was freed by the other. The build makes one choice for every file.
TEST(AsioConfig, HandlerMemoryIsAllocatedTheSameWayWhateverTheIncludeOrder) {
  EXPECT_EQ(kAlignedAllocWhenAsioComesFirst, asio_aligned_alloc_when_libstdcxx_comes_first());
}

}  // namespace
}  // namespace companion::sys
