// The tools `codex-companion mcp` offers (README "MCP server") and how each call becomes a CLI
// command line (sans-IO). One source of truth with the CLI: a tool call is turned into the words
// of the command it stands for — options first (`--name=value`), then `--`, then the prompt,
// focus text or job id — and the server runs that command (with --json and --cwd) through the
// CLI's own parser, validation and execution. So a prompt never becomes an option, and every
// refusal is the CLI's own one-line message.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/result.h"

namespace companion::mcp {

// How the server carries a call out (mcp/server.h).
enum class CallMode {
  kRun,            // run the command once and answer with its JSON
  kLaunch,         // start a background job (the command has --background) and answer at once
  kLaunchAndWait,  // start a background job, then wait for it (bounded) and answer its result
};

struct CliCall {
  std::string tool;
  // The command and its options, e.g. {"task", "--background", "--write", "--model=gpt-5"}.
  std::vector<std::string> words;
  // What goes after `--`: the prompt, the focus text or the job id (empty: nothing).
  std::vector<std::string> after_dashes;
  CallMode mode = CallMode::kRun;
  bool task_support = false;  // the tool may run as an MCP task (it starts a job)
};

// tools/list's `tools`: name, title, description, inputSchema, outputSchema, annotations,
// execution.taskSupport ("optional" for the tools that start a job, else "forbidden").
const nlohmann::json& tool_catalogue();

// True when `name` is one of the tools.
bool known_tool(std::string_view name);

// The CLI call for tool `name` with `arguments` (a JSON object from the client). Checks only
// the JSON types and the required members (values are the CLI's to judge). Errors (one line,
// naming the argument): an unknown tool, a member of the wrong type, a missing required member,
// an unknown member.
Result<CliCall> cli_call(std::string_view name, const nlohmann::json& arguments);

// The full argument vector after the program name: words, then "--json", "--cwd=<cwd>", then
// "--" and after_dashes (when there are any).
std::vector<std::string> cli_argv(const CliCall& call, const std::string& cwd);

}  // namespace companion::mcp
