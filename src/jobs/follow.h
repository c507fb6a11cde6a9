// Following a job's log until the job ends (`logs --follow`): every line appended is handed to a
// sink as it is written, and the follow returns the job as it ended.
//
// The loop: drain what the log gained; while the job is active, wait for a change of the log
// (FollowOptions::wake_ms at the most), probe the job's lock, and when it is free (the owner let
// go) or FollowOptions::store_read_ms passed, settle the store (jobs::settle: a dead worker's job
// ends here) and read the job again. Once the job is terminal, the owner's last lines ("Job
// ended: …", written just after the terminal state) are taken until the log was quiet for
// FollowOptions::quiet_ms, within FollowOptions::quiet_bound_ms; an unfinished last line is
// handed over as it is.
//
// Runs on `store.env()` (clock, lock probes, file reads): on a fake clock in a unit test, with a
// WaitForChange that sleeps on it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "jobs/settle.h"
#include "store/job_store.h"
#include "store/log_lines.h"
#include "sys/result.h"

namespace companion::jobs {

struct FollowOptions {
  int wake_ms = 250;               // the longest wait for a change of the log before a lock probe
  int64_t store_read_ms = 1000;    // the store is read at least this often while the lock is held
  int quiet_ms = 200;              // after the end: the log is done once quiet this long
  int64_t quiet_bound_ms = 2000;   // ... or after this long, whatever is still written
  size_t chunk_bytes = 64 * 1024;  // the most of the log read at once
};

// Returns once the log may have changed or after `timeout_ms`; true when it saw a change
// (sys::FileWatch::wait). A waiter that only sleeps (returns false) makes the follow poll.
using WaitForChange = std::function<bool(int timeout_ms)>;

// Receives each whole line of the log, without its newline, in order.
using LineSink = std::function<void(const std::string& line)>;

// Follows `job`'s log from byte `offset` (what was read already; `splitter` holds its unfinished
// last line) until the job is terminal, handing each line to `sink`; returns the job as it ended.
// Errors: the store cannot be read or settled; the job was removed meanwhile.
Result<store::Job> follow_job(store::JobStore& store, store::Job job, int64_t offset,
                              store::LineSplitter splitter, const SettleEffects& effects,
                              const WaitForChange& wait_for_change, const LineSink& sink,
                              const FollowOptions& options = {});

}  // namespace companion::jobs
