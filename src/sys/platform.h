// Which mechanism each OS-facing part of sys/ uses, decided at compile time (README
// "Portability"). Linux builds use the Linux-only calls (prctl subreaper and parent-death signal,
// pidfd, inotify, SO_PEERCRED, memfd, pipe2, accept4, SOCK_CLOEXEC); macOS builds use libproc and
// sysctl, kqueue and getpeereid; COMPANION_PORTABLE_FALLBACKS (CMake option of that name, the
// `portable` preset) makes a Linux build take the paths macOS takes wherever Linux allows it, so
// the test suites exercise them here. Internal to sys/.
#pragma once

namespace companion::sys {

#if defined(__linux__) && !defined(COMPANION_PORTABLE_FALLBACKS)
inline constexpr bool kLinuxMechanisms = true;
#define COMPANION_LINUX_MECHANISMS 1
#else
inline constexpr bool kLinuxMechanisms = false;
#endif

#if defined(__APPLE__)
inline constexpr bool kKqueueWatches = true;  // file watches and exit descriptors use kqueue
#else
inline constexpr bool kKqueueWatches = false;
#endif

}  // namespace companion::sys
