// Turning a finished Codex turn into what the job stores: the --json payload (SPEC.md section 1),
// the rendered text, and the terminal record.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "codex/run_turn.h"
#include "jobs/request.h"
#include "store/job.h"

namespace companion::jobs {

struct JobOutcome {
  nlohmann::json payload;
  std::string rendered;
  store::Terminal terminal;
};

// The terminal record's summary is what the job found, in one line (see final_summary in
// outcome.cc): the adversarial review's summary, else the first line of the answer or review
// text, else of the failure; empty (keep the old one) for a cancelled job.
// A turn that completed without an answer (no final message, no review text) and changed no
// file did not do what was asked: it ends failed with EndReason::kNoFinalMessage (what was
// captured is kept).
JobOutcome build_outcome(const JobRequest& request, const codex::TurnOutcome& turn);

// The job's end reason for how its turn ended (codex::TurnOutcome::end_reason), before the
// no-answer rule: the one place a turn's end becomes a job's (an exhaustive switch).
store::EndReason job_end_reason(TurnEnd end);

}  // namespace companion::jobs
