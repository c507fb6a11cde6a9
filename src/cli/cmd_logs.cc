// `logs JOB [--follow] [--lines N] [--json]`: a job's progress log; --follow streams what is
// appended until the job is terminal, then prints its final state.
#include "cli/commands.h"
#include "cli/job_ref.h"
#include "jobs/follow.h"
#include "render/status.h"
#include "store/log_lines.h"
#include "sys/config.h"
#include "sys/file_watch.h"
#include "sys/fs.h"
#include "sys/terminal_text.h"

namespace companion::cli {

namespace {

constexpr int64_t kDefaultLines = 200;
constexpr int64_t kMaxLines = 100000;
// The most of a log read at once: the tail `logs` starts from.
constexpr size_t kTailBytes = 1024 * 1024;

// One compact JSON document on one line (a follow's stream is JSON Lines).
void print_json_line(const nlohmann::json& value) {
  print_text(sys::escape_json_controls(
                 value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
             "\n");
}

class LogPrinter {
 public:
  explicit LogPrinter(bool json) : json_(json) {}
  void line(const std::string& text) const {
    if (json_) {
      print_json_line({{"type", "line"}, {"line", text}});
    } else {
      print_text(text + "\n");
    }
  }

 private:
  bool json_;
};

std::string final_state(const store::Job& job) {
  std::string text = fmt::format("Job {} ended: {}", job.id, store::to_string(job.status));
  if (job.end_reason) text += fmt::format(" ({})", store::to_string(*job.end_reason));
  if (!job.error_message.empty()) text += " — " + job.error_message;
  return text + "\n";
}

}  // namespace

int run_logs(Context& ctx) {
  if (ctx.args.positionals.size() != 1) {
    return fail("logs needs one job id: codex-companion logs JOB [--follow] [--lines N]");
  }
  int64_t count = kDefaultLines;
  if (auto text = ctx.args.value("lines")) {
    auto parsed = sys::parse_setting("--lines", *text, {1, kMaxLines, "lines"});
    if (!parsed) return fail(parsed.error());
    count = *parsed;
  }
  auto local = ctx.store();
  if (!local) return fail(local.error());
  if (auto settled = settle(ctx, **local); !settled) return fail(settled.error());
  auto resolved = resolve_job_ref(ctx, **local, ctx.args.positionals[0]);
  if (!resolved) return fail(resolved.error());
  store::Job job = std::move(resolved->job);
  int64_t size = std::max<int64_t>(ctx.env.file_size(job.log_file), 0);
  int64_t offset = std::max<int64_t>(0, size - static_cast<int64_t>(kTailBytes));
  auto tail = ctx.env.read_file_range(job.log_file, offset, kTailBytes);
  std::string text = tail ? *tail : std::string();
  std::string rest;
  auto lines = store::last_lines(text, static_cast<size_t>(count), offset > 0, rest);
  offset += static_cast<int64_t>(text.size());
  bool following = ctx.args.flag("follow");
  if (ctx.json() && !following) {
    if (!rest.empty()) lines.push_back(rest);
    print_json({{"job", render::job_snapshot(ctx.env, job, ctx.env.now_ms())},
                {"logFile", job.log_file},
                {"lines", lines}});
    return 0;
  }
  LogPrinter out(ctx.json());
  for (const auto& line : lines) out.line(line);
  if (!following) {
    if (!rest.empty()) out.line(rest);
    return 0;
  }
  sys::FileWatch watch = sys::FileWatch::open(job.log_file);
  auto ended = jobs::follow_job(
      *resolved->store, std::move(job), offset, store::LineSplitter(std::move(rest)),
      ctx.settle_effects(), [&watch](int timeout_ms) { return watch.wait(timeout_ms); },
      [&out](const std::string& line) { out.line(line); });
  if (!ended) return fail(ended.error());
  if (ctx.json()) {
    print_json_line(
        {{"type", "end"}, {"job", render::job_snapshot(ctx.env, *ended, ctx.env.now_ms())}});
  } else {
    print_text(final_state(*ended));
  }
  return 0;
}

}  // namespace companion::cli
