#include "jobs/notify.h"

#include <algorithm>

#include "store/job_log.h"
#include "store/settings.h"
#include "sys/config.h"
#include "sys/env.h"
#include "sys/fs.h"
#include "sys/run.h"
#include "sys/text.h"

namespace companion::jobs {

namespace {

bool plain_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_-./:=@%+,").find(c) != std::string_view::npos;
}

}  // namespace

std::vector<std::string> notify_argv() {
  // The command is read from the environment by the shell itself: it is never an argument.
  return {"/bin/sh", "-c", std::string("eval \"$") + sys::kNotifyCommandVariable + "\"",
          "codex-companion-notify"};
}

std::string command_line_of(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) {
    if (!line.empty()) line += ' ';
    bool plain = !word.empty() && std::all_of(word.begin(), word.end(), plain_word_char);
    line += plain ? word : sys::shell_single_quote(word);
  }
  return line;
}

std::string run_notify_command(sys::Env& env, const std::string& command, int input_fd,
                               int timeout_ms) {
  if (sys::trim(command).empty()) return "Notify command not run: it is empty.";
  sys::RunOptions options;
  options.argv = notify_argv();
  options.env = {{sys::kNotifyCommandVariable, command}};
  options.stdin_fd = input_fd;
  options.max_stdout_bytes = kNotifyOutputBytes;
  options.max_stderr_bytes = kNotifyOutputBytes;
  options.timeout_ms = timeout_ms;
  auto ran = env.run_command(options);
  if (!ran) return "Notify command could not start: " + ran.error().message;
  if (ran->success()) return "Notify command ran.";
  std::string tail = sys::excerpt(ran->err_tail, 300);
  return "Notify command failed (" + ran->describe() + ")" + (tail.empty() ? "." : ": " + tail);
}

void start_notifier(store::JobStore& store, const std::string& id, const std::string& executable) {
  auto command = store.config(std::string(store::kNotifyKey));
  if (!command || !command->has_value() || (*command)->empty()) return;
  auto background = store.announces_end(id);
  if (!background || !*background) return;
  auto job = store.get(id);  // ended: read as stored, nothing to reconcile
  if (!job || !job->has_value() || (*job)->active()) return;
  auto log = [&](const std::string& text) {
    (void)store::append_log_line(store.env(), (*job)->log_file, text);
  };
  auto input = store.env().data_fd(
      store::to_json(**job).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!input) return log("Notify command not run: " + input.error().message);
  auto log_fd = store.env().open_append((*job)->log_file);
  sys::SpawnOptions options;
  options.argv = {executable, "notify-job", "--job-id", id};
  options.env = {{sys::kNotifyCommandVariable, **command}};
  const std::string& root = store.workspace().root;
  options.cwd = store.env().is_directory(root) ? root : "/";
  options.stdin_fd = input->get();
  options.stderr_fd = log_fd ? log_fd->get() : -1;
  options.new_session = true;
  if (auto pid = store.env().spawn(options); !pid) {
    log("Notify command not run: " + pid.error().message);
  }
}

}  // namespace companion::jobs
