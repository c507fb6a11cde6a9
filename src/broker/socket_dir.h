// Where the broker's socket lives (README "The shared runtime", "Threat model"). Not where a
// sandboxed Codex task may write: a task there could put its own socket in place of the broker's
// (it runs as the same user, so the peer's uid says nothing) and be served the user's next jobs,
// or name another process in a pid file for the companion to signal. The socket goes in a fresh
// 0700 directory `cxc-XXXXXX` under the first of these that works:
//   - $XDG_RUNTIME_DIR/codex-companion, when XDG_RUNTIME_DIR is set (absolute), is a directory of
//     the user's own with no access for others (as the XDG Base Directory specification requires);
//   - <state root>/run (the state root is never where Codex writes: store/workspace.h);
// each only when it is a private directory of the user's own, outside every place a task may
// write (codex/sandbox_places.h), and short enough for a socket path (sys::max_socket_path:
// 107 bytes on Linux, 103 on macOS). When none works, no broker is started (the run uses a direct
// app-server, with a note saying what to set). The broker's pid file is in the workspace's state
// directory, never beside the socket.
#pragma once

#include <string>
#include <vector>

#include "sys/config.h"
#include "sys/env.h"
#include "sys/path_checks.h"
#include "sys/result.h"

namespace companion::broker {

// The candidate parents above, in order (none exists yet necessarily).
std::vector<std::string> socket_parents(const sys::Config& config);

// A broker socket directory (or parent) may be used: an existing private directory of ours (not
// a symlink, mode without group or other bits) that is not inside one of `places`. The error is
// one line naming the directory and why.
Status check_socket_dir(sys::Env& env, const std::string& dir,
                        const std::vector<sys::WritablePlace>& places);

// Creates the parents that are missing (0700), checks each (check_socket_dir), and makes a fresh
// socket directory in the first that works. The error says why none did and what to set.
Result<std::string> make_broker_socket_dir(sys::Env& env, const std::vector<std::string>& parents,
                                           const std::vector<sys::WritablePlace>& places);

}  // namespace companion::broker
