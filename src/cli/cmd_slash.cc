#include "cli/cmd_slash.h"

#include <optional>

#include "cli/context.h"
#include "hooks/typed_arguments.h"
#include "sys/config.h"
#include "sys/text.h"

namespace companion::cli {

namespace {

constexpr std::string_view kSessionOption = "--session=";

struct SlashArgs {
  std::string session_id;  // "" when not given (or given empty)
  std::string command;
  std::vector<std::string> options;
};

Result<SlashArgs> parse_slash(const std::vector<std::string>& args) {
  SlashArgs out;
  size_t i = 1;
  if (i < args.size() && args[i].substr(0, kSessionOption.size()) == kSessionOption) {
    out.session_id = args[i].substr(kSessionOption.size());
    ++i;
  }
  if (i == args.size()) return make_error("slash needs a command; run `codex-companion --help`");
  auto command = hooks::plugin_command("codex:" + args[i]);
  if (!command) {
    return make_error("slash: '{}' is not one of the plugin's commands", sys::excerpt(args[i], 80));
  }
  out.command = *command;
  for (++i; i < args.size(); ++i) {
    if (!hooks::is_fixed_option(args[i])) {
      return make_error(
          "slash: '{}' is not an option word (--name, no value); what the user typed comes "
          "from the session's stash, never from this command line",
          sys::excerpt(args[i], 80));
    }
    out.options.push_back(args[i]);
  }
  return out;
}

}  // namespace

int run_slash(sys::Env& env, const std::vector<std::string>& args,
              const std::function<int(const std::vector<std::string>&)>& dispatch) {
  if (args.size() == 2 && (args[1] == "--help" || args[1] == "-h")) {
    print_text(std::string("Usage: codex-companion ") + kSlashUsage + "\n\n" + kSlashSummary +
               "\n");
    return 0;
  }
  auto parsed = parse_slash(args);
  if (!parsed) return fail(parsed.error());
  auto config = sys::load_config(env);
  if (!config) return fail(config.error());
  std::string session = parsed->session_id;
  if (session.empty()) session = config->session_id.value_or("");
  std::optional<std::string> typed;
  if (!session.empty()) {
    auto taken = hooks::take_typed_arguments(env, config->state_root, session, parsed->command);
    if (!taken) return fail(taken.error());
    typed = std::move(*taken);
  }
  if (!typed) {
    print_text(
        hooks::fallback_instructions(parsed->command, parsed->options, hooks::random_marker()));
    return 0;
  }
  return dispatch({hooks::runtime_command(parsed->command),
                   hooks::slash_raw_arguments(parsed->options, *typed)});
}

}  // namespace companion::cli
