#include "codex/provenance.h"

#include <gtest/gtest.h>

namespace companion::codex {
namespace {

using Json = nlohmann::json;

// What codex-cli 0.169.0 answers (measured: tests/lib/app_server_driver.py against the real CLI).
const Json kInitialize = {
    {"userAgent", "codex-companion/0.169.0 (Debian 12.0.0; x86_64) xterm (codex-companion; 0.1.0)"},
    {"codexHome", "/home/u/.codex"},
    {"platformFamily", "unix"},
    {"platformOs", "linux"}};
const Json kThreadStart = {
    {"thread", {{"id", "01a2"}}},
    {"model", "gpt-5.5"},
    {"modelProvider", "openai"},
    {"reasoningEffort", nullptr},
    {"approvalPolicy", "never"},
    {"approvalsReviewer", "user"},
    {"sandbox", {{"type", "workspaceWrite"}, {"writableRoots", Json::array()}}}};
const Json kCatalog = {
    {"data",
     {{{"id", "gpt-5.5"}, {"model", "gpt-5.5"}, {"defaultReasoningEffort", "medium"}},
      {{"id", "gpt-6-sol"}, {"model", "gpt-6-sol"}, {"defaultReasoningEffort", "low"}}}},
    {"nextCursor", nullptr}};

// Regression: jobs did not record what they ran with. The request said "no model, no effort";
// Codex ran gpt-5.5 at its default effort medium in a workspace-write sandbox.
TEST(JobsDoNotRecordWhatTheyRanWith, ThreadAnswerCatalogAndVersionResolveEveryField) {
  Provenance p;
  EXPECT_TRUE(p.to_json().is_null());
  p.set_runtime("shared");
  p.on_initialize(kInitialize);
  p.on_thread(kThreadStart);
  EXPECT_TRUE(p.needs_default_effort());
  EXPECT_TRUE(p.on_model_list(kCatalog));
  EXPECT_EQ(p.to_json(), (Json{{"model", "gpt-5.5"},
                               {"effort", "medium"},
                               {"modelProvider", "openai"},
                               {"sandbox", "workspace-write"},
                               {"approvalPolicy", "never"},
                               {"codexVersion", "0.169.0"},
                               {"runtime", "shared"},
                               {"codexHome", "/home/u/.codex"}}));
}

TEST(JobsDoNotRecordWhatTheyRanWith, TurnOverridesAndReroutesReplaceTheThreadsSettings) {
  Provenance p;
  p.on_thread(kThreadStart);
  p.on_turn_overrides(std::string("gpt-6-sol"), std::nullopt);
  EXPECT_TRUE(p.on_model_list(kCatalog));  // the turn's model's default, not the thread's
  EXPECT_EQ(p.to_json()["effort"], "low");
  p.on_turn_overrides(std::nullopt, std::string("xhigh"));
  EXPECT_EQ(p.to_json()["effort"], "xhigh");
  EXPECT_FALSE(p.on_model_list(kCatalog)) << "a known effort is not replaced by a default";
  Json reroute = {{"threadId", "01a2"}, {"fromModel", "gpt-6-sol"}, {"toModel", "gpt-5.5-safe"}};
  EXPECT_FALSE(p.on_notification("model/rerouted", reroute, "another-thread"));
  EXPECT_FALSE(p.on_notification("warning", reroute, "01a2"));
  EXPECT_TRUE(p.on_notification("model/rerouted", reroute, "01a2"));
  EXPECT_EQ(p.to_json()["model"], "gpt-5.5-safe");
  // A configured effort (the thread's own) stays when only the model changes.
  Provenance configured;
  Json with_effort = kThreadStart;
  with_effort["reasoningEffort"] = "high";
  configured.on_thread(with_effort);
  configured.on_turn_overrides(std::string("gpt-6-sol"), std::nullopt);
  EXPECT_EQ(configured.to_json()["effort"], "high");
}

TEST(JobsDoNotRecordWhatTheyRanWith, SandboxAndApprovalSpellings) {
  for (const auto& [type, name] :
       std::vector<std::pair<std::string, std::string>>{{"readOnly", "read-only"},
                                                        {"dangerFullAccess", "danger-full-access"},
                                                        {"externalSandbox", "external-sandbox"},
                                                        {"somethingNew", "somethingNew"}}) {
    Provenance p;
    Json answer = kThreadStart;
    answer["sandbox"] = {{"type", type}};
    p.on_thread(answer);
    EXPECT_EQ(p.to_json()["sandbox"], name) << type;
  }
  Provenance granular;
  Json answer = kThreadStart;
  answer["approvalPolicy"] = {{"granular", {{"rules", true}}}};
  granular.on_thread(answer);
  EXPECT_EQ(granular.to_json()["approvalPolicy"], "granular");
}

// The app-server's values are untrusted: wrong types are absent, text is one bounded line.
TEST(JobsDoNotRecordWhatTheyRanWith, HostileValuesAreBoundedOneLineOrAbsent) {
  Provenance p;
  p.on_initialize({{"userAgent", "x/1.0;rm -rf (x)"}});
  p.on_thread({{"model", "evil\n  Resume in Codex: codex resume x; rm -rf ~\x1b]52;c;AAAA\x07"},
               {"modelProvider", 42},
               {"reasoningEffort", std::string(5000, 'e')},
               {"approvalPolicy", Json::array()},
               {"sandbox", "readOnly"}});
  Json got = p.to_json();
  std::string model = got["model"];
  EXPECT_EQ(model.find('\n'), std::string::npos);
  EXPECT_EQ(model.rfind("evil Resume in Codex", 0), 0u) << model;
  EXPECT_LE(got["effort"].get<std::string>().size(), Provenance::kMaxValueBytes + 3);
  EXPECT_TRUE(got["modelProvider"].is_null());
  EXPECT_TRUE(got["approvalPolicy"].is_null());
  EXPECT_TRUE(got["sandbox"].is_null());
  EXPECT_TRUE(got["codexVersion"].is_null()) << "not a plain version";
  EXPECT_TRUE(got["codexHome"].is_null());
  for (const Json& home : {Json("relative/home"), Json("/a\nResume in Codex: x"), Json(7),
                           Json("/" + std::string(Provenance::kMaxPathBytes, 'h'))}) {
    Provenance q;
    q.on_initialize({{"codexHome", home}});
    EXPECT_TRUE(q.to_json().is_null()) << home.dump().substr(0, 40);
  }
  EXPECT_FALSE(p.on_model_list({{"data", "not a list"}}));
  EXPECT_FALSE(p.on_model_list(Json::array()));
}

}  // namespace
}  // namespace companion::codex
