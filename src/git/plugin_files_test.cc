#include "git/plugin_files.h"

#include <gtest/gtest.h>

#include <set>

#include "git/test_repo.h"
#include "sys/fs.h"

namespace companion::git {
namespace {

using testing::TempDir;

std::string source_plugin_dir() {
  return sys::dirname_of(sys::dirname_of(sys::dirname_of(__FILE__))) + "/plugin";
}

// Creates <dir>/<relative>/prompts/adversarial-review.md and returns <dir>/<relative>.
std::string make_plugin(const TempDir& dir, const std::string& relative) {
  std::string root = dir.path() + "/" + relative;
  testing::run_in("/", {"mkdir", "-p", root + "/prompts"});
  EXPECT_TRUE(sys::write_file_atomic(root + "/" + kAdversarialPromptFile, "{{REVIEW_INPUT}}").ok());
  return root;
}

TEST(FindPluginRoot, CompanionVariableComesFirst) {
  TempDir dir;
  PluginSearch search;
  search.companion_root = make_plugin(dir, "mine");
  search.claude_root = make_plugin(dir, "claude");
  auto root = find_plugin_root(search);
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_EQ(*root, dir.path() + "/mine");
}

TEST(FindPluginRoot, WrongCompanionVariableIsAnError) {
  TempDir dir;
  PluginSearch search;
  search.companion_root = dir.path() + "/missing";
  search.claude_root = make_plugin(dir, "claude");
  auto root = find_plugin_root(search);
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.error().message.find("CODEX_COMPANION_PLUGIN_ROOT"), std::string::npos);
}

TEST(FindPluginRoot, ClaudeVariableWithoutOurFilesFallsThroughToTheExecutable) {
  TempDir dir;
  PluginSearch search;
  search.claude_root = dir.path() + "/other-plugin";
  std::string plugin = make_plugin(dir, "checkout/plugin");
  search.executable = dir.path() + "/checkout/build/default/codex-companion";
  auto root = find_plugin_root(search);
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_EQ(*root, plugin);
}

TEST(FindPluginRoot, InstalledUnderAPrefix) {
  TempDir dir;
  std::string plugin = make_plugin(dir, "usr/share/codex-companion/plugin");
  testing::run_in("/", {"mkdir", "-p", dir.path() + "/usr/bin"});
  PluginSearch search;
  search.executable = dir.path() + "/usr/bin/codex-companion";
  auto root = find_plugin_root(search);
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_EQ(*root, plugin);
}

TEST(FindPluginRoot, BinaryInsideThePluginsBinDirectory) {
  TempDir dir;
  std::string plugin = make_plugin(dir, "codex-plugin");
  testing::run_in("/", {"mkdir", "-p", plugin + "/bin"});
  PluginSearch search;
  search.executable = plugin + "/bin/codex-companion";
  auto root = find_plugin_root(search);
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_EQ(*root, plugin);
}

TEST(FindPluginRoot, NothingFoundListsWhereItLooked) {
  TempDir dir;
  PluginSearch search;
  search.claude_root = dir.path() + "/nope";
  auto root = find_plugin_root(search);
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.error().message.find(dir.path() + "/nope"), std::string::npos);
  EXPECT_NE(root.error().message.find("CODEX_COMPANION_PLUGIN_ROOT"), std::string::npos);
}

TEST(ReadPluginJson, BadJsonIsAnError) {
  TempDir dir;
  ASSERT_TRUE(sys::write_file_atomic(dir.path() + "/x.json", "{not json").ok());
  auto parsed = read_plugin_json(dir.path(), "x.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("x.json"), std::string::npos);
  EXPECT_FALSE(read_plugin_json(dir.path(), "missing.json").ok());
}

// OpenAI structured outputs in strict mode: every object closes additionalProperties and
// requires every property it declares.
void expect_strict(const nlohmann::json& schema, const std::string& where) {
  if (schema.value("type", "") == "object") {
    EXPECT_EQ(schema.value("additionalProperties", true), false) << where;
    std::set<std::string> declared;
    for (const auto& [key, value] : schema.at("properties").items()) {
      declared.insert(key);
      expect_strict(value, std::string(where).append(".").append(key));
    }
    std::set<std::string> required;
    for (const auto& key : schema.at("required")) required.insert(key.get<std::string>());
    EXPECT_EQ(declared, required) << where;
  }
  if (schema.contains("items")) expect_strict(schema["items"], where + "[]");
  for (const char* unsupported : {"minLength", "maxLength", "oneOf", "$ref"}) {
    EXPECT_FALSE(schema.contains(unsupported)) << where << " uses " << unsupported;
  }
}

TEST(ReviewOutputSchema, IsStrictAndHasTheContractFields) {
  auto schema = read_plugin_json(source_plugin_dir(), kReviewSchemaFile);
  ASSERT_TRUE(schema.ok()) << schema.error().message;
  expect_strict(*schema, "$");
  const auto& props = (*schema)["properties"];
  EXPECT_EQ(props["verdict"]["enum"], nlohmann::json({"approve", "needs-attention"}));
  const auto& finding = props["findings"]["items"]["properties"];
  EXPECT_EQ(finding["severity"]["enum"], nlohmann::json({"critical", "high", "medium", "low"}));
  for (const char* key :
       {"title", "body", "file", "line_start", "line_end", "confidence", "recommendation"}) {
    EXPECT_TRUE(finding.contains(key)) << key;
  }
  EXPECT_EQ(finding["confidence"]["maximum"], 1);
  EXPECT_EQ(props["next_steps"]["items"]["type"], "string");
}

}  // namespace
}  // namespace companion::git
