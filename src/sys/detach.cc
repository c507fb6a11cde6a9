#include "sys/detach.h"

#include <unistd.h>

#include "sys/fs.h"
#include "sys/parent_watch.h"

namespace companion::sys {

Result<ForkSide> fork_detached() {
  pid_t pid = ::fork();
  if (pid < 0) return make_error("cannot fork: {}", errno_text());
  if (pid > 0) return ForkSide::kParent;
  (void)::setsid();  // cannot fail in a fresh child (it leads no process group yet)
  forget_guardians_after_fork();
  return ForkSide::kChild;
}

}  // namespace companion::sys
