// Internal to the config library: typed reads of YAML nodes that collect errors with their
// position instead of throwing. Every Read* function returns nullopt both when the value is
// absent (no error) and when it is invalid (one error recorded), so that callers can write
// `if (auto v = reader.ReadDuration(map.Get("timeout"))) settings.timeout = *v;`.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace freshd::config::internal {

// A YAML value with what it is called in messages.
struct Value {
  YAML::Node node;
  std::string label;  // "'timeout'" in a map, "item 2 of 'ignore'" in a list
  Location where;     // of the value, or of its key when the value is empty
};

struct Entry {
  std::string key;
  Location key_where;
  Value value;
};

// The entries of a YAML map, in file order.
class Map {
 public:
  Map(Location where, std::vector<Entry> entries) : where_(where), entries_(std::move(entries)) {}

  const Entry* Find(std::string_view key) const;
  std::optional<Value> Get(std::string_view key) const;
  const std::vector<Entry>& entries() const { return entries_; }
  Location where() const { return where_; }

 private:
  Location where_;
  std::vector<Entry> entries_;
};

// 'text', for messages.
std::string Quote(std::string_view text);

Location LocationOf(const YAML::Node& node);
Location LocationOf(const YAML::Mark& mark);

// A URL as written, split into the URL without its userinfo and the credentials the
// userinfo held ("https://user:pass@host/a" -> "https://host/a", {user, pass}).
struct SplitUrl {
  std::string url;
  std::optional<Credentials> credentials;
};
SplitUrl TakeUserinfo(std::string_view url);

// Whether `a` comes before `b` in the file.
inline bool Before(Location a, Location b) {
  return a.line < b.line || (a.line == b.line && a.column < b.column);
}

// A credential file is one line; anything larger is a mistake (a wrong path).
constexpr std::uint64_t kMaxSecretBytes = 64 * 1024;

// The whole content of a regular file of at most `max_bytes`; IOError (the system's words),
// InvalidArgument (not a regular file) or ResourceExhausted (too large) otherwise.
Result<std::string> ReadWholeFile(const std::string& path, std::uint64_t max_bytes);

// `text` with every control byte (a line break, a NUL, an escape) written as \xNN, so that a
// message quoting the file stays one readable line.
std::string EscapeControlBytes(std::string_view text);

// Stores a successfully read value, converted to the field's type.
template <typename Field, typename Read>
void Assign(std::optional<Read> value, Field* field) {
  if (value) *field = static_cast<Field>(std::move(*value));
}

class Reader {
 public:
  Reader(std::string file, std::filesystem::path base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  void Error(Location where, std::string message);
  bool HasErrors() const { return !errors_.empty(); }
  // The errors in file order.
  std::vector<ConfigError> TakeErrors();

  // A map; an empty value counts as an empty map. Duplicate keys are reported.
  std::optional<Map> ReadMap(const std::optional<Value>& value);
  // Reports every key of `map` not in `allowed`, as "unknown key 'k' in CONTEXT".
  void CheckKeys(const Map& map, std::initializer_list<std::string_view> allowed,
                 std::string_view context);
  // Reports `key` missing from `map` (at the map) and returns its value when present.
  std::optional<Value> Require(const Map& map, std::string_view key, std::string_view context);

  // A list; an empty value counts as an empty list.
  std::optional<std::vector<Value>> ReadList(const std::optional<Value>& value);
  std::optional<std::string> ReadString(const std::optional<Value>& value);
  std::optional<std::string> ReadNonEmptyString(const std::optional<Value>& value);
  // A name of a workload or source: letters, digits, '.', '_' and '-'.
  std::optional<std::string> ReadName(const std::optional<Value>& value);
  // A duration greater than zero.
  std::optional<Duration> ReadDuration(const std::optional<Value>& value);
  // A size in bytes greater than zero.
  std::optional<std::uint64_t> ReadSize(const std::optional<Value>& value);
  std::optional<std::int64_t> ReadInt(const std::optional<Value>& value, std::int64_t min,
                                      std::int64_t max);
  // A number strictly between `low` and `high`.
  std::optional<double> ReadFraction(const std::optional<Value>& value, double low, double high);
  // An http(s) URL with a host, returned as written; a message never quotes its userinfo.
  std::optional<std::string> ReadUrl(const std::optional<Value>& value);
  // A PCRE2 pattern (compiled with PCRE2_UTF to check it).
  std::optional<std::string> ReadRegex(const std::optional<Value>& value);
  // A path, made absolute against the folder of the configuration file.
  std::optional<std::string> ReadPath(const std::optional<Value>& value);
  std::optional<std::string> ReadEnvName(const std::optional<Value>& value);

  template <typename Enum>
  std::optional<Enum> ReadEnum(const std::optional<Value>& value,
                               std::initializer_list<std::pair<std::string_view, Enum>> names);

  // The content of a credential file without its trailing line break; `what` names the
  // setting in messages. The content never appears in a message.
  std::optional<std::string> LoadSecretFile(const std::string& path, Location where,
                                            std::string_view what);
  std::optional<std::string> LoadSecretEnv(const std::string& name, Location where,
                                           std::string_view what);

 private:
  // The scalar text of `value`, or an error saying that `expected` was needed.
  std::optional<std::string> Scalar(const Value& value, std::string_view expected);
  // The secret without its trailing line break, when it is one non-empty line.
  std::optional<std::string> CheckSecret(std::string secret, Location where,
                                         const std::string& source);
  void ReportEnum(const Value& value, const std::string& text,
                  const std::vector<std::string_view>& names);

  std::string file_;
  std::filesystem::path base_dir_;
  std::vector<ConfigError> errors_;
};

template <typename Enum>
std::optional<Enum> Reader::ReadEnum(
    const std::optional<Value>& value,
    std::initializer_list<std::pair<std::string_view, Enum>> names) {
  if (!value) return std::nullopt;
  const std::optional<std::string> text = Scalar(*value, "one of its names");
  if (!text) return std::nullopt;
  std::vector<std::string_view> known;
  for (const auto& [name, member] : names) {
    if (*text == name) return member;
    known.push_back(name);
  }
  ReportEnum(*value, *text, known);
  return std::nullopt;
}

}  // namespace freshd::config::internal
