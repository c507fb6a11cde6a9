#include "assets/plugin_assets.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sys/env.h"

namespace companion::assets {
namespace {

namespace fs = std::filesystem;

const fs::path kPluginDir = fs::path(COMPANION_SOURCE_DIR) / "plugin";

std::string read_source(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A temporary plugin root, removed with everything in it at destruction.
class TempRoot {
 public:
  TempRoot() {
    std::string pattern = (fs::temp_directory_path() / "companion-assets-XXXXXX").string();
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  ~TempRoot() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;

  std::string path() const { return path_.string(); }
  void write(std::string_view relative, const std::string& text) const {
    fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
  }

 private:
  fs::path path_;
};

// The files that must be compiled in: plugin/prompts/*.md and plugin/schemas/*.json.
std::set<std::string> files_to_embed() {
  std::set<std::string> names;
  for (const auto& [dir, extension] : {std::pair{"prompts", ".md"}, {"schemas", ".json"}}) {
    for (const auto& entry : fs::directory_iterator(kPluginDir / dir)) {
      if (entry.path().extension() == extension) {
        names.insert(entry.path().lexically_relative(kPluginDir).string());
      }
    }
  }
  return names;
}

TEST(EmbeddedFiles, EqualTheFilesInThePluginDirectory) {
  std::set<std::string> expected = files_to_embed();
  ASSERT_TRUE(expected.count(std::string(kAdversarialPromptFile)));
  ASSERT_TRUE(expected.count(std::string(kReviewSchemaFile)));
  std::set<std::string> embedded;
  for (const auto& file : embedded_files()) {
    embedded.insert(std::string(file.path));
    EXPECT_EQ(file.bytes, read_source(kPluginDir / file.path)) << file.path << " drifted";
  }
  EXPECT_EQ(embedded, expected);
}

TEST(PluginFile, WithoutARootIsTheCompiledInCopy) {
  auto text = plugin_file(sys::default_env(), std::nullopt, kAdversarialPromptFile);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, read_source(kPluginDir / kAdversarialPromptFile));
  auto schema = plugin_json(sys::default_env(), std::nullopt, kReviewSchemaFile);
  ASSERT_TRUE(schema.ok()) << schema.error().message;
  EXPECT_EQ(*schema, nlohmann::json::parse(read_source(kPluginDir / kReviewSchemaFile)));
}

TEST(PluginFile, RootOverridesTheCompiledInCopy) {
  TempRoot root;
  root.write(kAdversarialPromptFile, "my template {{REVIEW_INPUT}}");
  root.write(kReviewSchemaFile, R"({"type": "object"})");
  auto text = plugin_file(sys::default_env(), root.path(), kAdversarialPromptFile);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "my template {{REVIEW_INPUT}}");
  auto schema = plugin_json(sys::default_env(), root.path(), kReviewSchemaFile);
  ASSERT_TRUE(schema.ok()) << schema.error().message;
  EXPECT_EQ(*schema, nlohmann::json({{"type", "object"}}));
}

TEST(PluginFile, RootWithoutTheFileIsAnErrorNotTheCompiledInCopy) {
  TempRoot root;
  auto text = plugin_file(sys::default_env(), root.path(), kAdversarialPromptFile);
  ASSERT_FALSE(text.ok());
  const std::string& message = text.error().message;
  EXPECT_NE(message.find("CODEX_COMPANION_PLUGIN_ROOT=" + root.path()), std::string::npos)
      << message;
  EXPECT_NE(message.find(kAdversarialPromptFile), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(PluginFile, OversizedFileUnderTheRootIsRefused) {
  TempRoot root;
  root.write(kAdversarialPromptFile, std::string(kMaxPluginFileBytes + 1, 'x'));
  auto text = plugin_file(sys::default_env(), root.path(), kAdversarialPromptFile);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("larger than"), std::string::npos) << text.error().message;
  root.write(kAdversarialPromptFile, std::string(kMaxPluginFileBytes, 'x'));
  EXPECT_TRUE(plugin_file(sys::default_env(), root.path(), kAdversarialPromptFile).ok());
}

TEST(PluginJson, BadJsonUnderTheRootIsAnError) {
  TempRoot root;
  root.write(kReviewSchemaFile, "{not json");
  auto parsed = plugin_json(sys::default_env(), root.path(), kReviewSchemaFile);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find(kReviewSchemaFile), std::string::npos);
  EXPECT_NE(parsed.error().message.find(kPluginRootVariable), std::string::npos);
}

TEST(PluginFile, NameNotCompiledInIsAnError) {
  EXPECT_FALSE(embedded_file("prompts/no-such-prompt.md").has_value());
  EXPECT_FALSE(plugin_file(sys::default_env(), std::nullopt, "prompts/no-such-prompt.md").ok());
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
  auto schema = plugin_json(sys::default_env(), std::nullopt, kReviewSchemaFile);
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
}  // namespace companion::assets
