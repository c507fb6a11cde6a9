// The model defaults (`config set|get|unset model|effort|review-model|review-effort`) and where
// each value comes from: the flag, then the workspace (its store's config table), then the user's
// file, then Codex's own configuration (nothing is sent, Codex decides).
//
// The user's file (sys::Config::user_config_file) is JSON: {"model": "...", "effort": "...",
// "review-model": "...", "review-effort": "..."}, each optional. It is read bounded
// (kMaxUserDefaultsBytes), as a regular file that is not a symlink and is owned by this user;
// any other key (such as a sandbox) or a bad value is an error naming the file and the key, never
// silently applied: no default can widen the sandbox.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "store/job_store.h"
#include "sys/env.h"
#include "sys/result.h"

namespace companion::store {

inline constexpr size_t kMaxUserDefaultsBytes = 64 * 1024;

// Where a value came from, as `config get --json` names it.
enum class DefaultSource { kFlag, kWorkspace, kUser, kCodex };
std::string_view to_string(DefaultSource source);

struct ResolvedDefault {
  std::optional<std::string> value;  // nullopt: Codex's own configuration decides
  DefaultSource source = DefaultSource::kCodex;
};

// The user's defaults by key (normalized, as normalize_setting returns them); empty when the file
// does not exist or `path` is empty. Errors: unreadable, too large, not a regular file of this
// user, not a JSON object, an unknown key or a bad value (each names the file and what is
// accepted).
Result<std::map<std::string, std::string>> read_user_defaults(sys::Env& env,
                                                              const std::string& path);

// Sets (`value` normalized) or removes (nullopt) one model default in the user's file, creating
// it and its directory (0700) as needed; the file is replaced atomically (0600). Errors: those
// of read_user_defaults, an unknown key or bad value, the write.
Status write_user_default(sys::Env& env, const std::string& path, std::string_view key,
                          const std::optional<std::string>& value);

// The value of model default `key`: `flag` when given, else the workspace's setting, else the
// user's. Errors: SQLite.
Result<ResolvedDefault> resolve_default(std::string_view key,
                                        const std::optional<std::string>& flag, JobStore& store,
                                        const std::map<std::string, std::string>& user);

}  // namespace companion::store
