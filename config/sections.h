// Internal to the config library: the sections of the file that describe what is fetched.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/reader.h"

namespace freshd::config::internal {

extern const char kDefaultUserAgent[];

// `headers`: names and values, each value a string or {file:} / {env:} (a secret).
std::optional<std::vector<Header>> ReadHeaders(Reader& reader, const std::optional<Value>& value);

// `interval` (a duration or `adaptive`), `budget`, `min_interval`, `max_interval` and
// `listing_interval` of `map` (`defaults`, or a `source` named `context`) over `settings`,
// checked: adaptive needs a budget, min_interval <= max_interval, and a source polled at a
// fixed interval sets none of the adaptive keys.
void ReadSchedule(Reader& reader, const Map& map, std::string_view context, bool source,
                  FetchSettings* settings);

// A secret given as `<prefix>_file: PATH` or `<prefix>_env: NAME` in the map `owner`.
struct SecretKeys {
  std::string owner;   // "rag_store.postgres"
  std::string prefix;  // "dsn"
  bool read;           // false when the setting that uses it is not selected
  bool required;
};
void ReadSecret(Reader& reader, const Map& map, const SecretKeys& keys, std::string* secret);

// The settings of a `git:` source (`context` names it in messages).
void ReadGitKind(Reader& reader, const Map& map, const std::string& context, Source* source);

// `defaults`: fetch settings that every source starts from.
void ReadDefaults(Reader& reader, const std::optional<Value>& value, FetchSettings* defaults);

// `workloads`, with their sources, each source's fetch settings merged over `defaults`.
void ReadWorkloads(Reader& reader, const std::optional<Value>& value, const FetchSettings& defaults,
                   std::vector<Workload>* workloads);

}  // namespace freshd::config::internal
