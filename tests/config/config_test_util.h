// Helpers shared by the configuration tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace freshd::config::testing {

// A raw string literal without the line break that follows its opening quote, so that the
// first line of YAML written after R"yaml( is line 1.
inline std::string Yaml(std::string_view raw) {
  if (raw.starts_with('\n')) raw.remove_prefix(1);
  return std::string(raw);
}

// Parses YAML as if it had been read from "test.yaml".
inline LoadResult ParseYaml(std::string_view raw) { return Parse(Yaml(raw), "test.yaml"); }

// Each error as `freshd check-config` prints it.
inline std::vector<std::string> Messages(const LoadResult& result) {
  std::vector<std::string> messages;
  for (const ConfigError& error : result.errors) messages.push_back(error.ToString());
  return messages;
}

// A valid workload list to append to a file under test.
inline constexpr std::string_view kOneWorkload = R"yaml(
workloads:
  - name: w
    strategy: rag
    sources:
      - name: s
        http: { url: "https://example.com/" }
)yaml";

// Parses YAML, with kOneWorkload after it, as if read from "test.yaml": for settings that
// are checked apart from any workload (a file without workloads is an error of its own).
inline LoadResult ParseWithWorkload(std::string_view raw) {
  return Parse(Yaml(raw) + std::string(kOneWorkload), "test.yaml");
}

}  // namespace freshd::config::testing
