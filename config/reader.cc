#include "config/reader.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

#include "common/strings.h"
#include "common/url.h"
#include "config/units.h"

namespace freshd::config::internal {
namespace {

std::string_view Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "empty";
    case YAML::NodeType::Scalar:
      break;
  }
  return "a string";
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'interval'?)" when one allowed key is a likely typo of `key`.
std::string Suggestion(std::string_view key, std::initializer_list<std::string_view> allowed) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (std::string_view candidate : allowed) {
    const std::size_t distance = EditDistance(key, candidate);
    if (distance < best_distance && distance < candidate.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best.empty() ? "" : " (did you mean " + Quote(best) + "?)";
}

std::string Join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

std::string RegexError(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof(buffer)) < 0) return "unknown error";
  return reinterpret_cast<const char*>(buffer);
}

// The empty string when `pattern` compiles, pcre2's message otherwise.
std::string CheckRegex(const std::string& pattern) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                       PCRE2_UTF, &code, &offset, nullptr);
  if (compiled != nullptr) {
    pcre2_code_free(compiled);
    return "";
  }
  return RegexError(code) + " at offset " + std::to_string(offset);
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool IsHttpUrl(std::string_view url) {
  std::string_view rest;
  if (strings::StartsWithNoCase(url, "http://")) {
    rest = url.substr(7);
  } else if (strings::StartsWithNoCase(url, "https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  const bool has_host = !rest.empty() && rest.front() != '/' && rest.front() != '?' &&
                        rest.front() != '#' && rest.front() != ':';
  const bool no_space = std::none_of(url.begin(), url.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) ||
           std::iscntrl(static_cast<unsigned char>(c));
  });
  return has_host && no_space;
}

void TrimTrailingLineBreaks(std::string* text) {
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
}

bool HasLineBreakOrNul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string FormatNumber(double number) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", number);
  return buffer;
}

}  // namespace

SplitUrl TakeUserinfo(std::string_view url) {
  std::optional<url::Userinfo> userinfo = url::UserinfoOf(url);
  if (!userinfo) return {std::string(url), std::nullopt};
  return {url::WithoutUserinfo(url),
          Credentials{std::move(userinfo->user), std::move(userinfo->password)}};
}

Result<std::string> ReadWholeFile(const std::string& path, std::uint64_t max_bytes) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return Status::IOError(std::strerror(errno));
  // A device (/dev/zero), a FIFO or a folder would be read forever or not at all.
  struct stat info {};
  if (fstat(fileno(file.get()), &info) != 0 || !S_ISREG(info.st_mode)) {
    return Status::InvalidArgument("not a regular file");
  }
  std::string content;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) {
    if (content.size() + got > max_bytes) {
      return Status::ResourceExhausted("larger than " + std::to_string(max_bytes) + " bytes");
    }
    content.append(buffer, got);
  }
  if (std::ferror(file.get())) return Status::IOError(std::strerror(errno));
  return content;
}

std::string EscapeControlBytes(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      escaped += c;
    } else {
      escaped += "\\x";
      escaped += kHex[byte >> 4];
      escaped += kHex[byte & 0xf];
    }
  }
  return escaped;
}

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

const Entry* Map::Find(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

std::optional<Value> Map::Get(std::string_view key) const {
  const Entry* entry = Find(key);
  if (entry == nullptr) return std::nullopt;
  return entry->value;
}

Location LocationOf(const YAML::Node& node) { return LocationOf(node.Mark()); }

Location LocationOf(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

void Reader::Error(Location where, std::string message) {
  errors_.push_back({file_, where, EscapeControlBytes(message)});
}

std::vector<ConfigError> Reader::TakeErrors() {
  std::stable_sort(errors_.begin(), errors_.end(),
                   [](const auto& a, const auto& b) { return Before(a.where, b.where); });
  return std::move(errors_);
}

std::optional<Map> Reader::ReadMap(const std::optional<Value>& value) {
  if (!value) return std::nullopt;
  const YAML::Node& node = value->node;
  if (node.IsNull()) return Map(value->where, {});
  if (!node.IsMap()) {
    Error(value->where, value->label + " must be a map, not " + std::string(Describe(node)));
    return std::nullopt;
  }
  std::vector<Entry> entries;
  std::map<std::string, int, std::less<>> first_line;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const Location key_where = LocationOf(it->first);
    if (!it->first.IsScalar()) {
      Error(key_where, "keys must be strings, not " + std::string(Describe(it->first)));
      continue;
    }
    const std::string key = it->first.Scalar();
    const auto [seen, inserted] = first_line.emplace(key, key_where.line);
    if (!inserted) {
      Error(key_where, "duplicate key " + Quote(key) + " (first at line " +
                           std::to_string(seen->second) + ")");
      continue;
    }
    const Location where = it->second.IsNull() ? key_where : LocationOf(it->second);
    entries.push_back({key, key_where, Value{it->second, Quote(key), where}});
  }
  return Map(LocationOf(node), std::move(entries));
}

void Reader::CheckKeys(const Map& map, std::initializer_list<std::string_view> allowed,
                       std::string_view context) {
  for (const Entry& entry : map.entries()) {
    if (std::find(allowed.begin(), allowed.end(), entry.key) != allowed.end()) continue;
    Error(entry.key_where, "unknown key " + Quote(entry.key) + " in " + std::string(context) +
                               Suggestion(entry.key, allowed));
  }
}

std::optional<Value> Reader::Require(const Map& map, std::string_view key,
                                     std::string_view context) {
  std::optional<Value> value = map.Get(key);
  if (!value) Error(map.where(), std::string(context) + " needs " + Quote(key));
  return value;
}

std::optional<std::vector<Value>> Reader::ReadList(const std::optional<Value>& value) {
  if (!value) return std::nullopt;
  const YAML::Node& node = value->node;
  if (node.IsNull()) return std::vector<Value>();
  if (!node.IsSequence()) {
    Error(value->where, value->label + " must be a list, not " + std::string(Describe(node)));
    return std::nullopt;
  }
  std::vector<Value> items;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string label = "item " + std::to_string(i + 1) + " of " + value->label;
    items.push_back({item, label, item.IsNull() ? value->where : LocationOf(item)});
  }
  return items;
}

std::optional<std::string> Reader::Scalar(const Value& value, std::string_view expected) {
  if (value.node.IsScalar()) return value.node.Scalar();
  Error(value.where, value.label + " must be " + std::string(expected) + ", not " +
                         std::string(Describe(value.node)));
  return std::nullopt;
}

std::optional<std::string> Reader::ReadString(const std::optional<Value>& value) {
  if (!value) return std::nullopt;
  return Scalar(*value, "a string");
}

std::optional<std::string> Reader::ReadNonEmptyString(const std::optional<Value>& value) {
  std::optional<std::string> text = ReadString(value);
  if (!text || !text->empty()) return text;
  Error(value->where, value->label + " must not be empty");
  return std::nullopt;
}

std::optional<std::string> Reader::ReadName(const std::optional<Value>& value) {
  std::optional<std::string> name = ReadNonEmptyString(value);
  if (!name || std::all_of(name->begin(), name->end(), IsNameChar)) return name;
  Error(value->where,
        value->label + " may hold only letters, digits, '.', '_' and '-', not " + Quote(*name));
  return std::nullopt;
}

std::optional<Duration> Reader::ReadDuration(const std::optional<Value>& value) {
  if (!value) return std::nullopt;
  const std::optional<std::string> text = Scalar(*value, "a duration");
  if (!text) return std::nullopt;
  const std::optional<Duration> duration = ParseDuration(*text);
  if (!duration) {
    Error(value->where,
          value->label + " must be a duration such as 500ms, 30s or 1h30m, not " + Quote(*text));
    return std::nullopt;
  }
  if (duration->count() <= 0) {
    Error(value->where, value->label + " must be longer than 0s");
    return std::nullopt;
  }
  return duration;
}

std::optional<std::uint64_t> Reader::ReadSize(const std::optional<Value>& value) {
  if (!value) return std::nullopt;
  const std::optional<std::string> text = Scalar(*value, "a size");
  if (!text) return std::nullopt;
  const std::optional<std::uint64_t> size = ParseSize(*text);
  if (!size) {
    Error(value->where,
          value->label + " must be a size such as 512KiB or 10MiB, not " + Quote(*text));
    return std::nullopt;
  }
  if (*size == 0) {
    Error(value->where, value->label + " must be greater than 0");
    return std::nullopt;
  }
  return size;
}

std::optional<std::int64_t> Reader::ReadInt(const std::optional<Value>& value, std::int64_t min,
                                            std::int64_t max) {
  if (!value) return std::nullopt;
  const std::optional<std::string> text = Scalar(*value, "an integer");
  if (!text) return std::nullopt;
  std::int64_t number = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, number);
  if (ec != std::errc() || ptr != end) {
    Error(value->where, value->label + " must be an integer, not " + Quote(*text));
    return std::nullopt;
  }
  if (number < min || number > max) {
    Error(value->where, value->label + " must be between " + std::to_string(min) + " and " +
                            std::to_string(max) + ", not " + *text);
    return std::nullopt;
  }
  return number;
}

std::optional<double> Reader::ReadFraction(const std::optional<Value>& value, double low,
                                           double high) {
  if (!value) return std::nullopt;
  const std::optional<std::string> text = Scalar(*value, "a number");
  if (!text) return std::nullopt;
  double number = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, number);
  if (ec != std::errc() || ptr != end || !std::isfinite(number)) {
    Error(value->where, value->label + " must be a number, not " + Quote(*text));
    return std::nullopt;
  }
  if (!(number > low && number < high)) {
    Error(value->where, value->label + " must be greater than " + FormatNumber(low) +
                            " and less than " + FormatNumber(high) + ", not " + *text);
    return std::nullopt;
  }
  return number;
}

std::optional<std::string> Reader::ReadUrl(const std::optional<Value>& value) {
  std::optional<std::string> url = ReadNonEmptyString(value);
  if (!url) return url;
  const std::string without_userinfo = TakeUserinfo(*url).url;
  if (IsHttpUrl(without_userinfo)) return url;
  Error(value->where, value->label + " must be an http:// or https:// URL with a host, not " +
                          Quote(without_userinfo));
  return std::nullopt;
}

std::optional<std::string> Reader::ReadRegex(const std::optional<Value>& value) {
  std::optional<std::string> pattern = ReadString(value);
  if (!pattern) return std::nullopt;
  const std::string problem = CheckRegex(*pattern);
  if (problem.empty()) return pattern;
  Error(value->where, value->label + " is not a valid regex: " + problem);
  return std::nullopt;
}

std::optional<std::string> Reader::ReadPath(const std::optional<Value>& value) {
  const std::optional<std::string> text = ReadNonEmptyString(value);
  if (!text) return std::nullopt;
  const std::filesystem::path path(*text);
  if (path.is_absolute()) return path.lexically_normal().string();
  return (base_dir_ / path).lexically_normal().string();
}

std::optional<std::string> Reader::ReadEnvName(const std::optional<Value>& value) {
  std::optional<std::string> name = ReadNonEmptyString(value);
  if (!name || IsEnvName(*name)) return name;
  Error(value->where, value->label + " must be an environment variable name, not " + Quote(*name));
  return std::nullopt;
}

void Reader::ReportEnum(const Value& value, const std::string& text,
                        const std::vector<std::string_view>& names) {
  Error(value.where, value.label + " must be " + Join(names) + ", not " + Quote(text));
}

std::optional<std::string> Reader::LoadSecretFile(const std::string& path, Location where,
                                                  std::string_view what) {
  Result<std::string> content = ReadWholeFile(path, kMaxSecretBytes);
  const std::string source = std::string(what) + " from file " + Quote(path);
  if (!content.ok()) {
    Error(where, "cannot read " + source + ": " + content.status().message());
    return std::nullopt;
  }
  return CheckSecret(std::move(content).value(), where, source);
}

std::optional<std::string> Reader::LoadSecretEnv(const std::string& name, Location where,
                                                 std::string_view what) {
  const std::string source = std::string(what) + " from environment variable " + Quote(name);
  const char* content = std::getenv(name.c_str());
  if (content == nullptr) {
    Error(where, "cannot read " + source + ": it is not set");
    return std::nullopt;
  }
  return CheckSecret(content, where, source);
}

std::optional<std::string> Reader::CheckSecret(std::string secret, Location where,
                                               const std::string& source) {
  TrimTrailingLineBreaks(&secret);
  if (secret.empty()) {
    Error(where, source + " is empty");
    return std::nullopt;
  }
  if (HasLineBreakOrNul(secret)) {
    Error(where, source + " holds more than one line");
    return std::nullopt;
  }
  return secret;
}

}  // namespace freshd::config::internal
