// Asio's configuration after a libstdc++ header (see asio_config_test.cc). The include order is
// the point of this file.
// clang-format off
#include <cstdlib>
#include <string>
#include <asio/detail/config.hpp>
// clang-format on

namespace companion::sys {

bool asio_aligned_alloc_when_libstdcxx_comes_first() {
#if defined(ASIO_HAS_STD_ALIGNED_ALLOC)
  return true;
#else
  return false;
#endif
}

}  // namespace companion::sys
