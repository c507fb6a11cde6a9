// `logs JOB [--follow] [--lines N] [--json]`: a job's progress log; --follow streams what is
// appended until the job is terminal, then prints its final state.
#include "cli/commands.h"
#include "cli/job_ref.h"
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
// The most of a log read at once: the tail `logs` starts from, and each step of a follow.
constexpr size_t kTailBytes = 1024 * 1024;
constexpr size_t kChunkBytes = 64 * 1024;
// A follower wakes at least this often to probe the job's lock, and settles and reads the store
// (a job whose worker died ends then) when the lock is free or this much time passed.
constexpr int kWakeMs = 250;
constexpr int64_t kStoreReadMs = 1000;
// After the job ended: the log is followed until it was quiet this long, at most kSettleBoundMs.
constexpr int kSettleQuietMs = 200;
constexpr int64_t kSettleBoundMs = 2000;

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

struct Follow {
  store::JobStore& store;
  jobs::SettleEffects effects;  // settled before each store read
  store::Job job;
  int64_t offset = 0;  // bytes of the log already read
  store::LineSplitter splitter;
};

// Reads and prints what was appended to the log since `f.offset`.
void drain(Follow& f, const LogPrinter& out) {
  for (;;) {
    auto chunk = f.store.env().read_file_range(f.job.log_file, f.offset, kChunkBytes);
    if (!chunk || chunk->empty()) return;
    f.offset += static_cast<int64_t>(chunk->size());
    for (const auto& line : f.splitter.feed(*chunk)) out.line(line);
  }
}

Status follow(Follow& f, const LogPrinter& out) {
  sys::Env& env = f.store.env();
  const std::string lock = f.store.workspace().lock_path(f.job.id);
  sys::FileWatch watch = sys::FileWatch::open(f.job.log_file);
  int64_t next_read = env.monotonic_ms() + kStoreReadMs;
  for (;;) {
    drain(f, out);
    if (!f.job.active()) break;
    (void)watch.wait(kWakeMs);
    auto state = env.probe_lock(lock);
    bool owner_gone = state && *state != sys::LockState::kHeld;
    if (!owner_gone && env.monotonic_ms() < next_read) continue;
    next_read = env.monotonic_ms() + kStoreReadMs;
    // A dead worker's job ends failed here.
    if (auto settled = jobs::settle(f.store, f.effects); !settled) return settled.error();
    auto fresh = f.store.get(f.job.id);
    if (!fresh) return fresh.error();
    if (!fresh->has_value()) {
      return store::missing_job_error(f.store, f.job.id,
                                      make_error("job {} was removed while following", f.job.id));
    }
    f.job = std::move(**fresh);
  }
  // The owner writes its last lines ("Job ended: …") just after the terminal state: take them
  // until the log has been quiet for a moment, within a bound.
  for (int64_t until = env.monotonic_ms() + kSettleBoundMs; env.monotonic_ms() < until;) {
    bool changed = watch.wait(kSettleQuietMs);
    int64_t before = f.offset;
    drain(f, out);
    if (!changed && f.offset == before) break;  // quiet for kSettleQuietMs
  }
  if (std::string rest = f.splitter.take_rest(); !rest.empty()) out.line(rest);
  return {};
}

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
  Follow f{*resolved->store, ctx.settle_effects(), std::move(resolved->job), 0,
           store::LineSplitter()};
  int64_t size = std::max<int64_t>(ctx.env.file_size(f.job.log_file), 0);
  f.offset = std::max<int64_t>(0, size - static_cast<int64_t>(kTailBytes));
  auto tail = ctx.env.read_file_range(f.job.log_file, f.offset, kTailBytes);
  std::string text = tail ? *tail : std::string();
  std::string rest;
  auto lines = store::last_lines(text, static_cast<size_t>(count), f.offset > 0, rest);
  f.offset += static_cast<int64_t>(text.size());
  bool following = ctx.args.flag("follow");
  if (ctx.json() && !following) {
    if (!rest.empty()) lines.push_back(rest);
    print_json({{"job", render::job_snapshot(ctx.env, f.job, ctx.env.now_ms())},
                {"logFile", f.job.log_file},
                {"lines", lines}});
    return 0;
  }
  LogPrinter out(ctx.json());
  for (const auto& line : lines) out.line(line);
  if (!following) {
    if (!rest.empty()) out.line(rest);
    return 0;
  }
  f.splitter = store::LineSplitter(std::move(rest));
  if (auto done = follow(f, out); !done) return fail(done.error());
  if (ctx.json()) {
    print_json_line(
        {{"type", "end"}, {"job", render::job_snapshot(ctx.env, f.job, ctx.env.now_ms())}});
  } else {
    print_text(final_state(f.job));
  }
  return 0;
}

}  // namespace companion::cli
