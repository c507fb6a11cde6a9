// Drives the job store from separate processes for the integration tests.
//   store_helper hammer CWD OPS TAG       OPS operations: create, two updates, finish, repeated
//   store_helper hold CWD READY_FILE      creates a running job, writes its id, waits to be killed
//   store_helper orphan CWD PID           creates a running job owned (by pid) by PID, lock free
//   store_helper lock-store CWD READY_FILE  holds the store's write lock (an open BEGIN IMMEDIATE),
//                                           writes READY_FILE, waits to be stopped or killed
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/job_store.h"
#include "store/sqlite.h"
#include "sys/config.h"
#include "sys/fs.h"
#include "sys/process.h"

using companion::store::EndReason;
using companion::store::JobKind;
using companion::store::JobPatch;
using companion::store::JobStore;
using companion::store::make_terminal;
using companion::store::NewJob;
using companion::store::StartInfo;

namespace {

int die(const std::string& what) {
  std::fprintf(stderr, "store_helper: %s\n", what.c_str());
  return 2;
}

JobStore open_or_die(const std::string& cwd) {
  auto config = companion::sys::load_config(companion::sys::default_env());
  if (!config) std::exit(die(config.error().message));
  auto ws =
      companion::store::resolve_workspace(companion::sys::default_env(), cwd, config->state_root);
  if (!ws) std::exit(die(ws.error().message));
  JobStore::Options options;
  options.keep_finished = config->keep_jobs;
  auto store = JobStore::open(*ws, companion::sys::default_env(), options);
  if (!store) std::exit(die(store.error().message));
  return std::move(*store);
}

int hammer(const std::string& cwd, int ops, const std::string& tag) {
  JobStore store = open_or_die(cwd);
  for (int i = 0; i < ops / 4; ++i) {
    auto created = store.create(NewJob{
        JobKind::kTask, tag + "-" + std::to_string(i), "s", tag, false, {{"tag", tag}, {"i", i}}});
    if (!created) return die(created.error().message);
    const std::string id = created->job.id;
    auto a = store.start(id, StartInfo{::getpid(), 0});
    if (!a || !*a) return die(a ? "lost start on " + id : a.error().message);
    auto b = store.update(id, JobPatch{.thread_id = tag + "-thread-" + std::to_string(i)});
    if (!b || !*b) return die(b ? "lost thread update on " + id : b.error().message);
    auto c = store.finish(id, make_terminal(EndReason::kCompleted, "", {{"i", i}}, "ok"));
    if (!c || !*c) return die(c ? "lost finish on " + id : c.error().message);
  }
  return 0;
}

int hold(const std::string& cwd, const std::string& ready_file) {
  JobStore store = open_or_die(cwd);
  auto created = store.create(NewJob{JobKind::kTask, "held job", "held", "", false, nullptr});
  if (!created) return die(created.error().message);
  auto up = store.start(created->job.id, StartInfo{::getpid(), 0});
  if (!up) return die(up.error().message);
  auto s = companion::sys::write_file_atomic(ready_file, created->job.id);
  if (!s) return die(s.error().message);
  for (;;) ::pause();
}

int orphan(const std::string& cwd, pid_t pid) {
  JobStore store = open_or_die(cwd);
  auto created = store.create(NewJob{JobKind::kTask, "orphan job", "orphan", "", false, nullptr});
  if (!created) return die(created.error().message);
  auto start = companion::sys::process_start_time(pid);
  if (!start) return die("no such process");
  auto up = store.start(created->job.id, StartInfo{pid, *start});
  if (!up) return die(up.error().message);
  std::printf("%s\n", created->job.id.c_str());
  return 0;  // the lock goes with this process; the row names a live, unrelated pid
}

int lock_store(const std::string& cwd, const std::string& ready_file) {
  JobStore store = open_or_die(cwd);  // creates the store when there is none yet
  auto db = companion::store::Database::open(companion::sys::default_env(),
                                             store.workspace().db_path(), false, 5000);
  if (!db) return die(db.error().message);
  auto begun = db->exec("BEGIN IMMEDIATE");
  if (!begun) return die(begun.error().message);
  auto s = companion::sys::write_file_atomic(ready_file, "locked");
  if (!s) return die(s.error().message);
  for (;;) ::pause();
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "hammer" && argc == 5) return hammer(argv[2], std::atoi(argv[3]), argv[4]);
  if (mode == "hold" && argc == 4) return hold(argv[2], argv[3]);
  if (mode == "lock-store" && argc == 4) return lock_store(argv[2], argv[3]);
  if (mode == "orphan" && argc == 4) return orphan(argv[2], static_cast<pid_t>(std::atoi(argv[3])));
  return die(
      "usage: store_helper hammer CWD OPS TAG | hold CWD READY_FILE | orphan CWD PID | "
      "lock-store CWD READY_FILE");
}
