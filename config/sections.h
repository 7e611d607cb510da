// Internal to the config library: the sections of the file that describe what is fetched.
#pragma once

#include <optional>
#include <vector>

#include "config/config.h"
#include "config/reader.h"

namespace freshd::config::internal {

extern const char kDefaultUserAgent[];

// `headers`: names and values, each value a string or {file:} / {env:} (a secret).
std::optional<std::vector<Header>> ReadHeaders(Reader& reader, const std::optional<Value>& value);

// `defaults`: fetch settings that every source starts from.
void ReadDefaults(Reader& reader, const std::optional<Value>& value, FetchSettings* defaults);

// `workloads`, with their sources, each source's fetch settings merged over `defaults`.
void ReadWorkloads(Reader& reader, const std::optional<Value>& value, const FetchSettings& defaults,
                   std::vector<Workload>* workloads);

}  // namespace freshd::config::internal
