// What Codex resolved for a job's turn (the job's `resolved` field), as opposed to what was asked:
// sans-IO, fed the app-server's answers as they arrive.
//
// The JSON form, every member a string or null (not known):
//   model          thread/start's or thread/resume's answer (`model`); replaced by a model the
//                  turn asked for (turn/start's `model`, which Codex applies to the turn and keeps
//                  on the thread: measured with codex-cli 0.169.0, the model endpoint receives it),
//                  and by `model/rerouted`'s `toModel` for the job's thread
//   effort         the answer's `reasoningEffort`, replaced by turn/start's `effort`; when both are
//                  absent (Codex answers null: the model's own default) the model's
//                  `defaultReasoningEffort` from `model/list` (measured: that is what the model
//                  endpoint receives)
//   modelProvider  the answer's `modelProvider`
//   sandbox        the answer's `sandbox.type` in the request's spelling: "read-only",
//                  "workspace-write", "danger-full-access", "external-sandbox" (another type: as
//                  Codex names it)
//   approvalPolicy the answer's `approvalPolicy` ("never", "on-request", "untrusted"; "granular"
//                  for the object form)
//   codexVersion   the version in initialize's `userAgent` ("0.169.0"), when it is a plain version
//   runtime        "direct" (an app-server of the job's own) or "shared" (through the broker)
//   codexHome      initialize's `codexHome`: the Codex home the thread is stored in (where
//                  `codex resume` and a later `task --resume` must look for it), when it is an
//                  absolute path of one line, at most kMaxPathBytes
// Values come from the app-server and are untrusted: each is one line of at most kMaxValueBytes
// (sys::excerpt: whitespace runs, newlines included, become one space); control characters that
// remain are made visible by the output layer (sys::printable_text, escape_json_controls).
// A wrong type is an absent value, never an error.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace companion::codex {

class Provenance {
 public:
  static constexpr size_t kMaxValueBytes = 128;
  static constexpr size_t kMaxPathBytes = 4096;

  void set_runtime(const std::string& runtime);
  // initialize's result {userAgent, ...}.
  void on_initialize(const nlohmann::json& result);
  // thread/start's or thread/resume's result {model, modelProvider, reasoningEffort, sandbox,
  // approvalPolicy, ...}.
  void on_thread(const nlohmann::json& result);
  // The overrides turn/start carried (applied by Codex once it accepted the turn).
  void on_turn_overrides(const std::optional<std::string>& model,
                         const std::optional<std::string>& effort);
  // A notification of the app-server; true when it changed something (model/rerouted for
  // `thread_id`).
  bool on_notification(const std::string& method, const nlohmann::json& params,
                       const std::string& thread_id);
  // True while the effort is unknown but the model is: model/list can tell its default.
  bool needs_default_effort() const;
  // model/list's result {data[{model, id, defaultReasoningEffort}], ...}; true when it supplied
  // the effort.
  bool on_model_list(const nlohmann::json& result);

  // The JSON form above; null when nothing is known yet.
  nlohmann::json to_json() const;

 private:
  std::optional<std::string> model_, effort_, provider_, sandbox_, approval_, version_, runtime_,
      codex_home_;
};

}  // namespace companion::codex
