// Reading the reasoning summary of a `reasoning` item.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace companion::codex {

// The summary sections in `summary` (the `summary` field of a reasoning item), in order, each on
// one line (whitespace runs collapsed, trimmed), at most `max_section_bytes` each and at most
// `max_sections` in all; empty sections are dropped.
//
// codex-cli 0.169.0 sends `summary: string[]` (ReasoningThreadItem in `codex app-server
// generate-json-schema`). Other shapes are read as the reference plugin reads them (its
// lib/codex.mjs, extractReasoningSections), so older and newer servers and its test fixture
// work too: a string; an array of entries; an object whose `text` is a string, else whose
// `summary`, `content` or `parts` (the first present) holds entries. Anything else holds none.
// Nesting deeper than 8 levels is ignored. Never throws.
std::vector<std::string> reasoning_sections(const nlohmann::json& summary, size_t max_sections,
                                            size_t max_section_bytes);

}  // namespace companion::codex
