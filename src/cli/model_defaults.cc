// The model defaults applied to a request (store/user_defaults.h): flag > workspace > user >
// Codex's own configuration.
#include "cli/execute.h"
#include "store/settings.h"
#include "store/user_defaults.h"

namespace companion::cli {

Result<nlohmann::json> apply_model_defaults(Context& ctx, store::JobStore& store,
                                            jobs::JobRequest& request) {
  bool review = request.kind != store::JobKind::kTask;
  auto model_key = review ? store::kReviewModelKey : store::kModelKey;
  auto effort_key = review ? store::kReviewEffortKey : store::kEffortKey;
  nlohmann::json sources = nlohmann::json::object();
  // The user's file is read only when a value is still open (a flag for both skips it).
  std::optional<std::map<std::string, std::string>> user;
  for (auto [key, field] : {std::pair{model_key, &request.model}, {effort_key, &request.effort}}) {
    if (*field) {
      sources[std::string(key)] = "flag";
      continue;
    }
    if (!user) {
      auto read = store::read_user_defaults(ctx.env, ctx.config.user_config_file);
      if (!read) return read.error();
      user = std::move(*read);
    }
    auto resolved = store::resolve_default(key, std::nullopt, store, *user);
    if (!resolved) return resolved.error();
    *field = resolved->value;
    sources[std::string(key)] = to_string(resolved->source);
  }
  return sources;
}

}  // namespace companion::cli
