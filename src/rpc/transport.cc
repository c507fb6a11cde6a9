#include "rpc/transport.h"

namespace companion::rpc {

std::string CloseInfo::describe(std::string_view context) const {
  std::string out = reason.empty() ? std::string("the connection closed") : reason;
  if (!context.empty()) {
    out += ' ';
    out += context;
  }
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

}  // namespace companion::rpc
