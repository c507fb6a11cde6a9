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

// A turn that completed without an answer (no final message, no review text) and changed no
// file did not do what was asked: it ends failed with EndReason::kNoFinalMessage (what was
// captured is kept).
JobOutcome build_outcome(const JobRequest& request, const codex::TurnOutcome& turn);

// The end reason of a turn (codex::TurnOutcome::end_reason), before the no-answer rule.
store::EndReason turn_end_reason(const codex::TurnOutcome& turn);

}  // namespace companion::jobs
