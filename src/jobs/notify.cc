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

void log_line(store::JobStore& store, const std::string& id, const std::string& text) {
  (void)store::append_log_line(store.env(), store.workspace().log_path(id), text);
}

}  // namespace

std::vector<std::string> notify_argv(const std::string& command) {
  bool plain = std::all_of(command.begin(), command.end(),
                           [](char c) { return c == ' ' || c == '\t' || plain_word_char(c); });
  if (!plain) return {"/bin/sh", "-c", command};
  std::vector<std::string> words;
  std::string word;
  for (char c : command + " ") {
    if (c != ' ' && c != '\t') {
      word.push_back(c);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  return words;
}

std::string command_line_of(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) {
    if (!line.empty()) line += ' ';
    if (!word.empty() && std::all_of(word.begin(), word.end(), plain_word_char)) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

void notify_job_end(store::JobStore& store, const std::string& id, int timeout_ms) {
  auto command = store.config(std::string(store::kNotifyKey));
  if (!command || !command->has_value() || (*command)->empty()) return;
  auto job = store.get(id);
  if (!job || !job->has_value() || (*job)->active()) return;
  auto input = sys::data_fd(
      store::to_json(**job).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!input) {
    log_line(store, id, "Notify command not run: " + input.error().message);
    return;
  }
  sys::RunOptions options;
  options.argv = notify_argv(**command);
  if (options.argv.empty()) return;
  options.cwd = store.workspace().root;
  options.stdin_fd = input->get();
  options.max_stdout_bytes = kNotifyOutputBytes;
  options.max_stderr_bytes = kNotifyOutputBytes;
  options.timeout_ms = timeout_ms;
  auto ran = sys::run_command(options);
  if (!ran) {
    log_line(store, id, "Notify command could not start: " + ran.error().message);
  } else if (!ran->success()) {
    std::string tail = sys::excerpt(ran->err_tail, 300);
    log_line(
        store, id,
        "Notify command failed (" + ran->describe() + ")" + (tail.empty() ? "." : ": " + tail));
  } else {
    log_line(store, id, "Notify command ran.");
  }
}

void start_notifier(store::JobStore& store, const std::string& id, const std::string& executable,
                    const std::string& state_root) {
  auto command = store.config(std::string(store::kNotifyKey));
  if (!command || !command->has_value() || (*command)->empty()) return;
  auto background = store.announces_end(id);
  if (!background || !*background) return;
  sys::SpawnOptions options;
  options.argv = {executable, "notify-job", "--job-id", id, "--cwd", store.workspace().root};
  options.env = {{sys::kStateDirVariable, state_root}};
  options.cwd = store.workspace().root;
  options.new_session = true;
  if (auto pid = store.env().spawn(options); !pid) {
    log_line(store, id, "Notify command not run: " + pid.error().message);
  }
}

}  // namespace companion::jobs
