// Turning a finished Codex turn into what the job stores: the --json payload (SPEC.md section 1),
// the rendered text, and the terminal transition.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "codex/run_turn.h"
#include "jobs/request.h"
#include "store/job_store.h"

namespace companion::jobs {

struct JobOutcome {
  nlohmann::json payload;
  std::string rendered;
  store::Terminal terminal;
};

JobOutcome build_outcome(const JobRequest& request, const codex::TurnOutcome& turn);

// Maps a turn's end reason to the job status it ends in.
store::JobStatus status_for(const std::string& end_reason);

}  // namespace companion::jobs
