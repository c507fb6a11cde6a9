#include "codex/auth_status.h"

#include <gtest/gtest.h>

namespace companion::codex {
namespace {

using Json = nlohmann::json;

AccountProbe probe_of(Json account, Json config) {
  AccountProbe p;
  p.account = std::move(account);
  p.config = std::move(config);
  return p;
}

// Every key a script written for the reference plugin reads, whatever the answer.
void expect_all_keys(const Json& auth) {
  for (const char* key : {"available", "loggedIn", "detail", "source", "authMethod", "verified",
                          "requiresOpenaiAuth", "provider"}) {
    EXPECT_TRUE(auth.contains(key)) << key << " missing in " << auth.dump();
  }
}

TEST(AuthStatusTest, ChatgptAccountIsLoggedInAndVerified) {
  Json auth =
      auth_status(probe_of({{"account", {{"type", "chatgpt"}, {"email", "dev@example.com"}}},
                            {"requiresOpenaiAuth", true}},
                           {{"config", {{"model_provider", "openai"}}}}));
  expect_all_keys(auth);
  EXPECT_EQ(auth["loggedIn"], true);
  EXPECT_EQ(auth["authMethod"], "chatgpt");
  EXPECT_EQ(auth["verified"], true);
  EXPECT_EQ(auth["source"], "app-server");
  EXPECT_EQ(auth["provider"], "openai");
  EXPECT_EQ(auth["requiresOpenaiAuth"], true);
  EXPECT_EQ(auth["detail"], "ChatGPT login active for dev@example.com");
}

TEST(AuthStatusTest, ChatgptAccountWithNullEmailHasNoAddressInTheSentence) {
  Json auth = auth_status(probe_of({{"account", {{"type", "chatgpt"}, {"email", nullptr}}}}, {}));
  EXPECT_EQ(auth["detail"], "ChatGPT login active");
  EXPECT_EQ(auth["provider"], nullptr);
  EXPECT_EQ(auth["requiresOpenaiAuth"], nullptr);
}

TEST(AuthStatusTest, ApiKeyIsLoggedInButUnverified) {
  Json auth =
      auth_status(probe_of({{"account", {{"type", "apiKey"}}}, {"requiresOpenaiAuth", true}}, {}));
  EXPECT_EQ(auth["loggedIn"], true);
  EXPECT_EQ(auth["authMethod"], "apiKey");
  EXPECT_EQ(auth["verified"], false);
  EXPECT_EQ(auth["detail"], "API key configured (unverified)");
}

TEST(AuthStatusTest, OtherAccountTypesCountAsLoggedIn) {
  Json auth = auth_status(probe_of({{"account", {{"type", "gcp"}}}}, {}));
  EXPECT_EQ(auth["loggedIn"], true);
  EXPECT_EQ(auth["authMethod"], "gcp");
  EXPECT_EQ(auth["verified"], nullptr);
}

TEST(AuthStatusTest, ProviderWithoutOpenaiAuthIsReadyUnderItsBuiltInName) {
  Json auth = auth_status(probe_of({{"account", nullptr}, {"requiresOpenaiAuth", false}},
                                   {{"config", {{"model_provider", "ollama"}}}}));
  expect_all_keys(auth);
  EXPECT_EQ(auth["loggedIn"], true);
  EXPECT_EQ(auth["authMethod"], nullptr);
  EXPECT_EQ(auth["provider"], "ollama");
  EXPECT_EQ(auth["detail"], "Ollama is configured and does not require OpenAI authentication");
}

TEST(AuthStatusTest, ConfiguredProviderNameWins) {
  Json config = {{"config",
                  {{"model_provider", "openai-custom"},
                   {"model_providers", {{"openai-custom", {{"name", " OpenAI custom "}}}}}}}};
  Json auth = auth_status(probe_of({{"account", nullptr}, {"requiresOpenaiAuth", false}}, config));
  EXPECT_EQ(auth["detail"],
            "OpenAI custom is configured and does not require OpenAI authentication");
}

TEST(AuthStatusTest, ProviderLabelFallsBackToTheIdThenToAGenericName) {
  EXPECT_EQ(provider_label({{"config", {{"model_provider", "lmstudio"}}}}), "LM Studio");
  EXPECT_EQ(provider_label({{"config", {{"model_provider", "acme"}}}}), "acme");
  EXPECT_EQ(provider_label({{"config", {{"model_provider", 7}}}}), "The active provider");
  EXPECT_EQ(provider_label(Json()), "The active provider");
  // A name of the wrong type is not a name.
  EXPECT_EQ(provider_label(
                {{"config",
                  {{"model_provider", "acme"}, {"model_providers", {{"acme", {{"name", 3}}}}}}}}),
            "acme");
}

TEST(AuthStatusTest, NoAccountAndOpenaiAuthRequiredIsLoggedOut) {
  Json auth = auth_status(probe_of({{"account", nullptr}, {"requiresOpenaiAuth", true}},
                                   {{"config", {{"model_provider", "openai"}}}}));
  EXPECT_EQ(auth["available"], true);
  EXPECT_EQ(auth["loggedIn"], false);
  EXPECT_EQ(auth["detail"], "OpenAI requires OpenAI authentication");
}

TEST(AuthStatusTest, AFailedProbeIsAvailableButLoggedOutWithTheError) {
  AccountProbe p;
  p.error = "config/read failed for cwd";
  Json auth = auth_status(p);
  expect_all_keys(auth);
  EXPECT_EQ(auth["available"], true);
  EXPECT_EQ(auth["loggedIn"], false);
  EXPECT_EQ(auth["source"], "app-server");
  EXPECT_EQ(auth["detail"], "config/read failed for cwd");
}

TEST(AuthStatusTest, UnavailableCodexSaysSo) {
  Json auth = auth_unavailable("not found");
  expect_all_keys(auth);
  EXPECT_EQ(auth["available"], false);
  EXPECT_EQ(auth["loggedIn"], false);
  EXPECT_EQ(auth["source"], "availability");
}

TEST(AuthStatusTest, WrongTypesReadAsAbsent) {
  Json auth = auth_status(
      probe_of({{"account", "chatgpt"}, {"requiresOpenaiAuth", "no"}}, {{"config", "openai"}}));
  EXPECT_EQ(auth["loggedIn"], false);
  EXPECT_EQ(auth["requiresOpenaiAuth"], nullptr);
  EXPECT_EQ(auth["detail"], "The active provider requires OpenAI authentication");
}

TEST(CliVersionTest, ReadsTheVersionOffTheRealUserAgent) {
  // codex-cli 0.169.0's initialize answer; `codex --version` printed "codex-cli 0.169.0".
  Json init = {{"userAgent",
                "codex-companion/0.169.0 (Debian 12.0.0; x86_64) xterm (codex-companion; 0.1.0)"},
               {"codexHome", "/tmp/h"}};
  EXPECT_EQ(cli_version(init), "codex-cli 0.169.0");
  EXPECT_EQ(cli_version(Json{{"userAgent", "x/1.2.3-alpha.4+b5"}}), "codex-cli 1.2.3-alpha.4+b5");
}

TEST(CliVersionTest, NoPlainVersionIsNone) {
  for (const Json& init :
       {Json::object(), Json{{"userAgent", 7}}, Json{{"userAgent", "compat-codex"}},
        Json{{"userAgent", "codex/"}}, Json{{"userAgent", "codex/ (linux)"}},
        Json{{"userAgent", "codex/v1.0"}}, Json{{"userAgent", "codex/1.0;rm (x)"}},
        Json{{"userAgent", "codex/1.0\x1b[31m"}}, Json{{"userAgent", "a/" + std::string(65, '1')}},
        Json::array()}) {
    EXPECT_EQ(cli_version(init), std::nullopt) << init.dump();
  }
}

}  // namespace
}  // namespace companion::codex
