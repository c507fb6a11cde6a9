#include "jobs/resume.h"

#include "sys/json_read.h"

namespace companion::jobs {

std::string thread_elsewhere(sys::Env& env, const std::string& codex_home, const store::Job& job) {
  auto real = [&env](const std::string& path) {
    auto resolved = env.real_path(path);
    return resolved ? *resolved : path;
  };
  const std::string here = real(codex_home);
  std::string recorded = sys::json_text(job.resolved, "codexHome");           // what Codex said
  if (recorded.empty()) recorded = sys::json_text(job.request, "codexHome");  // what we ran with
  if (recorded.empty()) {
    return fmt::format(
        "job {} recorded no Codex home (it ran before this version), so its thread may not be "
        "in this run's ({})",
        job.id, here);
  }
  if (real(recorded) == here) return {};
  return fmt::format(
      "job {}'s thread is stored in the Codex home {}, not in this run's ({}); run with "
      "CODEX_HOME={} to continue it",
      job.id, recorded, here, recorded);
}

Result<ResumeChoice> resume_candidate(store::JobStore& store, const store::JobFilter& filter,
                                      const std::string& codex_home) {
  auto finished = store.finished(filter, kResumeLookback);
  if (!finished) return finished.error();
  ResumeChoice choice;
  for (auto& job : *finished) {
    bool ephemeral = sys::json_bool(job.request, "ephemeral").value_or(false);
    if (job.kind != store::JobKind::kTask || job.thread_id.empty() || ephemeral) continue;
    if (std::string elsewhere = thread_elsewhere(store.env(), codex_home, job);
        !elsewhere.empty()) {
      if (choice.passed_over.empty()) choice.passed_over = std::move(elsewhere);
      continue;
    }
    choice.candidate = std::move(job);
    break;
  }
  return choice;
}

Result<std::string> thread_to_resume(store::JobStore& store, const store::JobFilter& filter,
                                     const std::string& codex_home) {
  auto active = store.active(filter);
  if (!active) return active.error();
  for (const auto& job : *active) {
    if (job.kind == store::JobKind::kTask) {
      return make_error(
          "task {} is still {}; wait for it (codex-companion status {} --wait) or cancel "
          "it before resuming",
          job.id, store::to_string(job.status), job.id);
    }
  }
  auto choice = resume_candidate(store, filter, codex_home);
  if (!choice) return choice.error();
  if (choice->candidate) return choice->candidate->thread_id;
  if (!choice->passed_over.empty()) {
    return make_error(
        "No Codex task thread of this repository can be resumed here: {}, or run "
        "the task without --resume to start a new thread.",
        choice->passed_over);
  }
  // The reference plugin's sentence (scripts match it), then what to do.
  return make_error(
      "No previous Codex task thread was found for this repository. Run the task without "
      "--resume to start a new thread.");
}

Status check_named_thread(store::JobStore& store, const std::string& codex_home,
                          const std::string& thread_id) {
  auto finished = store.finished(store::JobFilter{}, kResumeLookback);
  if (!finished) return finished.error();
  std::string elsewhere;
  for (const store::Job& job : *finished) {
    if (job.thread_id != thread_id || job.resolved.is_null()) continue;
    std::string why = thread_elsewhere(store.env(), codex_home, job);
    if (why.empty()) return {};                                       // a job ran it in this home
    if (sys::json_text(job.resolved, "codexHome").empty()) continue;  // cannot tell
    if (elsewhere.empty()) elsewhere = std::move(why);
  }
  if (elsewhere.empty()) return {};
  return make_error("cannot resume thread {}: {}, or run without --resume-thread", thread_id,
                    elsewhere);
}

Result<std::string> retry_thread(sys::Env& env, const std::string& codex_home,
                                 const store::Job& job) {
  if (job.kind != store::JobKind::kTask) {
    return make_error("--resume continues a task's Codex thread; job {} is a {}", job.id,
                      store::to_string(job.kind));
  }
  if (job.thread_id.empty()) {
    return make_error("job {} never got a Codex thread to resume; retry it without --resume",
                      job.id);
  }
  if (std::string elsewhere = thread_elsewhere(env, codex_home, job); !elsewhere.empty()) {
    return make_error("cannot resume: {}, or retry it without --resume", elsewhere);
  }
  return job.thread_id;
}

}  // namespace companion::jobs
