#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "common/strings.h"
#include "config/sections.h"
#include "config/units.h"
#include "formats/pages.h"
#include "version.h"

namespace freshd::config::internal {

const char kDefaultUserAgent[] = "freshd/" FRESHD_VERSION;

namespace {

using NameLines = std::map<std::string, int, std::less<>>;

// Characters that would end an HTTP header line early.
constexpr std::string_view kLineBreaks("\r\n\0", 3);

constexpr std::array<std::string_view, 5> kSourceKinds = {"http", "sitemap", "feed", "directory",
                                                          "git"};
constexpr std::int64_t kMaxPages = 1'000'000;
// The sitemaps protocol allows 50,000 sitemaps in one index.
constexpr std::int64_t kMaxChildSitemaps = 50'000;

// RFC 9110 token characters.
bool IsHeaderName(std::string_view name) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kSymbols.find(c) != kSymbols.npos;
  });
}

// Reports a name already used (at its second occurrence) and remembers a new one.
void CheckUnique(Reader& reader, std::string_view what, const std::string& name, Location where,
                 NameLines* seen) {
  const auto [first, inserted] = seen->emplace(name, where.line);
  if (inserted) return;
  reader.Error(where, "duplicate " + std::string(what) + " name " + Quote(name) +
                          " (first at line " + std::to_string(first->second) + ")");
}

// `{file: PATH}` or `{env: NAME}`: a secret header value.
std::optional<std::string> ReadSecretHeader(Reader& reader, const Map& map,
                                            const std::string& what) {
  reader.CheckKeys(map, {"file", "env"}, what);
  const std::optional<Value> file = map.Get("file");
  const std::optional<Value> env = map.Get("env");
  if (file && env) {
    const Location second = Before(file->where, env->where) ? env->where : file->where;
    reader.Error(second, what + " takes 'file' or 'env', not both");
    return std::nullopt;
  }
  if (file) {
    const std::optional<std::string> path = reader.ReadPath(file);
    if (path) return reader.LoadSecretFile(*path, file->where, what);
  } else if (env) {
    const std::optional<std::string> name = reader.ReadEnvName(env);
    if (name) return reader.LoadSecretEnv(*name, env->where, what);
  } else {
    reader.Error(map.where(), what + " needs 'file' or 'env'");
  }
  return std::nullopt;
}

// One `name: value` header; the value is never quoted in a message.
std::optional<Header> ReadHeader(Reader& reader, const Entry& entry) {
  const std::string what = "header " + Quote(entry.key);
  if (!IsHeaderName(entry.key)) {
    reader.Error(entry.key_where, what + " is not a valid HTTP header name");
    return std::nullopt;
  }
  const YAML::Node& node = entry.value.node;
  if (node.IsScalar()) {
    const std::string& value = node.Scalar();
    if (value.find_first_of(kLineBreaks) == std::string::npos) {
      return Header{entry.key, value, false};
    }
    reader.Error(entry.value.where, what + " must be one line");
    return std::nullopt;
  }
  if (node.IsMap()) {
    const std::optional<Map> map = reader.ReadMap(entry.value);
    std::optional<std::string> secret = map ? ReadSecretHeader(reader, *map, what) : std::nullopt;
    if (secret) return Header{entry.key, std::move(*secret), true};
    return std::nullopt;
  }
  reader.Error(entry.value.where, what + " must be a string or a map with 'file' or 'env'");
  return std::nullopt;
}

std::optional<std::vector<Header>> ReadHeaderList(Reader& reader,
                                                  const std::optional<Value>& value) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return std::nullopt;
  std::vector<Header> headers;
  std::vector<const Entry*> seen;
  for (const Entry& entry : map->entries()) {
    const auto same = std::find_if(seen.begin(), seen.end(), [&](const Entry* other) {
      return strings::EqualsNoCase(other->key, entry.key);
    });
    if (same != seen.end()) {
      reader.Error(entry.key_where, "duplicate header " + Quote(entry.key) + " (first at line " +
                                        std::to_string((*same)->key_where.line) + ")");
      continue;
    }
    seen.push_back(&entry);
    if (std::optional<Header> header = ReadHeader(reader, entry)) headers.push_back(*header);
  }
  return headers;
}

// Headers of the same name (in any case) are replaced, others added.
void MergeHeaders(std::vector<Header> overrides, std::vector<Header>* headers) {
  for (Header& header : overrides) {
    const auto same = std::find_if(headers->begin(), headers->end(), [&](const Header& other) {
      return strings::EqualsNoCase(other.name, header.name);
    });
    if (same != headers->end()) {
      *same = std::move(header);
    } else {
      headers->push_back(std::move(header));
    }
  }
}

// "freshd/<version>", as DESIGN.md writes it, becomes "freshd/0.1.0".
std::string ExpandVersion(std::string agent) {
  constexpr std::string_view kPlaceholder = "<version>";
  constexpr std::string_view kVersion = FRESHD_VERSION;
  for (std::size_t at = agent.find(kPlaceholder); at != std::string::npos;
       at = agent.find(kPlaceholder, at + kVersion.size())) {
    agent.replace(at, kPlaceholder.size(), kVersion);
  }
  return agent;
}

// The keys that both `defaults` and a source may set, but for the schedule (ReadSchedule).
void ReadFetchSettings(Reader& reader, const Map& map, FetchSettings* settings) {
  Assign(reader.ReadDuration(map.Get("timeout")), &settings->timeout);
  Assign(reader.ReadSize(map.Get("max_bytes")), &settings->max_bytes);
  if (std::optional<std::int64_t> pages = reader.ReadInt(map.Get("max_pages"), 1, kMaxPages)) {
    settings->max_pages = static_cast<std::uint32_t>(*pages);
  }
  const std::optional<Value> agent_value = map.Get("user_agent");
  if (std::optional<std::string> agent = reader.ReadNonEmptyString(agent_value)) {
    if (agent->find_first_of(kLineBreaks) == std::string::npos) {
      settings->user_agent = ExpandVersion(std::move(*agent));
    } else {
      reader.Error(agent_value->where, "'user_agent' must be one line");
    }
  }
  Assign(reader.ReadFraction(map.Get("max_listing_drop"), 0, 1), &settings->max_listing_drop);
  if (std::optional<std::vector<Header>> headers = ReadHeaderList(reader, map.Get("headers"))) {
    MergeHeaders(std::move(*headers), &settings->headers);
  }
}

void ReadPages(Reader& reader, const std::optional<Value>& value, Selector* select) {
  const std::optional<std::string> pages = reader.ReadNonEmptyString(value);
  if (!pages) return;
  Result<std::vector<formats::PageRange>> ranges = formats::ParsePageRanges(*pages);
  if (ranges.ok()) {
    select->pages = *pages;
  } else {
    reader.Error(value->where, value->label + " is not a page list such as \"1-3,7\": " +
                                   ranges.status().message());
  }
}

void ReadSelect(Reader& reader, const std::optional<Value>& value, Selector* select) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return;
  reader.CheckKeys(*map, {"xpath", "css", "pages", "heading"}, "'select'");
  ReadPages(reader, map->Get("pages"), select);
  Assign(reader.ReadRegex(map->Get("heading")), &select->heading);
  const std::optional<Value> xpath = map->Get("xpath");
  const std::optional<Value> css = map->Get("css");
  if (xpath && css) {
    const Location second = Before(xpath->where, css->where) ? css->where : xpath->where;
    reader.Error(second, "'select' takes 'xpath' or 'css', not both");
    return;
  }
  if (!xpath && !css) {
    if (!map->Get("pages") && !map->Get("heading")) {
      reader.Error(map->where(), "'select' needs 'xpath', 'css', 'pages' or 'heading'");
    }
    return;
  }
  select->kind = xpath ? Selector::Kind::kXPath : Selector::Kind::kCss;
  const std::optional<Value>& expression = xpath ? xpath : css;
  select->where = expression->where;
  Assign(reader.ReadNonEmptyString(expression), &select->expression);
}

void ReadIgnore(Reader& reader, const std::optional<Value>& value, std::vector<std::string>* out) {
  const std::optional<std::vector<Value>> items = reader.ReadList(value);
  if (!items) return;
  for (const Value& item : *items) {
    if (std::optional<std::string> regex = reader.ReadRegex(item)) out->push_back(*regex);
  }
}

void ReadUrlKind(Reader& reader, const Map& map, const std::string& context, SourceKind kind,
                 Source* source) {
  switch (kind) {
    case SourceKind::kSitemap:
      reader.CheckKeys(map, {"url", "include", "max_child_sitemaps"}, context);
      Assign(reader.ReadInt(map.Get("max_child_sitemaps"), 1, kMaxChildSitemaps),
             &source->max_child_sitemaps);
      break;
    case SourceKind::kFeed:
      reader.CheckKeys(map, {"url", "include"}, context);
      break;
    default:
      reader.CheckKeys(map, {"url"}, context);
      break;
  }
  if (kind != SourceKind::kHttp) Assign(reader.ReadRegex(map.Get("include")), &source->include);
  if (std::optional<std::string> url = reader.ReadUrl(reader.Require(map, "url", context))) {
    SplitUrl split = TakeUserinfo(*url);
    source->url = std::move(split.url);
    source->credentials = std::move(split.credentials);
  }
}

void ReadDirectoryKind(Reader& reader, const Map& map, const std::string& context, Source* source) {
  reader.CheckKeys(map, {"path", "glob"}, context);
  Assign(reader.ReadPath(reader.Require(map, "path", context)), &source->path);
  const std::optional<Value> glob = reader.Require(map, "glob", context);
  const std::optional<std::string> pattern = reader.ReadNonEmptyString(glob);
  if (pattern && pattern->front() == '/') {
    reader.Error(glob->where, "'glob' must be relative to 'path', not " + Quote(*pattern));
  } else {
    Assign(pattern, &source->glob);
  }
}

// The one entry among http, sitemap, feed and directory; every other one is an error.
const Entry* FindKind(Reader& reader, const Map& map, const std::string& context) {
  const Entry* kind = nullptr;
  for (const Entry& entry : map.entries()) {
    if (std::find(kSourceKinds.begin(), kSourceKinds.end(), entry.key) == kSourceKinds.end()) {
      continue;
    }
    if (kind == nullptr) {
      kind = &entry;
    } else {
      reader.Error(entry.key_where, context + " has both " + Quote(kind->key) + " and " +
                                        Quote(entry.key) + ": give only one");
    }
  }
  if (kind == nullptr) {
    reader.Error(map.where(),
                 context + " needs one of 'http', 'sitemap', 'feed', 'directory' or 'git'");
  }
  return kind;
}

void ReadSourceKind(Reader& reader, const Map& map, const std::string& context, Source* source) {
  const Entry* kind = FindKind(reader, map, context);
  if (kind == nullptr) return;
  const std::optional<Map> settings = reader.ReadMap(kind->value);
  if (!settings) return;
  const std::string kind_context = Quote(kind->key) + " of " + context;
  if (kind->key == "http" || kind->key == "sitemap" || kind->key == "feed") {
    source->kind = kind->key == "http"      ? SourceKind::kHttp
                   : kind->key == "sitemap" ? SourceKind::kSitemap
                                            : SourceKind::kFeed;
    ReadUrlKind(reader, *settings, kind_context, source->kind, source);
  } else if (kind->key == "git") {
    source->kind = SourceKind::kGit;
    ReadGitKind(reader, *settings, kind_context, source);
  } else {
    source->kind = SourceKind::kDirectory;
    ReadDirectoryKind(reader, *settings, kind_context, source);
  }
}

std::optional<Source> ReadSource(Reader& reader, const Value& value, const FetchSettings& defaults,
                                 NameLines* source_names) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return std::nullopt;
  Source source;
  source.where = map->where();
  source.fetch = defaults;
  const std::optional<Value> name_value = reader.Require(*map, "name", "source");
  const std::optional<std::string> name = reader.ReadName(name_value);
  if (name) {
    source.name = *name;
    CheckUnique(reader, "source", *name, name_value->where, source_names);
  }
  const std::string context = name ? "source " + Quote(*name) : "source";
  if (const Entry* misplaced = map->Find("host_concurrency")) {
    reader.Error(misplaced->key_where,
                 "'host_concurrency' is allowed only in defaults, not in " + context);
  }
  reader.CheckKeys(*map,
                   {"name",
                    "http",
                    "sitemap",
                    "feed",
                    "directory",
                    "git",
                    "select",
                    "ignore",
                    "interval",
                    "budget",
                    "min_interval",
                    "max_interval",
                    "listing_interval",
                    "timeout",
                    "max_bytes",
                    "max_pages",
                    "user_agent",
                    "headers",
                    "host_concurrency",
                    "max_listing_drop"},
                   context);
  ReadSourceKind(reader, *map, context, &source);
  ReadSelect(reader, map->Get("select"), &source.select);
  ReadIgnore(reader, map->Get("ignore"), &source.ignore);
  ReadSchedule(reader, *map, context, true, &source.fetch);
  ReadFetchSettings(reader, *map, &source.fetch);
  return source;
}

std::optional<std::chrono::sys_days> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (std::size_t j = starts[i]; j < starts[i] + lengths[i]; ++j) {
      if (!std::isdigit(static_cast<unsigned char>(text[j]))) return std::nullopt;
      parts[i] = parts[i] * 10 + (text[j] - '0');
    }
  }
  const std::chrono::year_month_day date{std::chrono::year(parts[0]),
                                         std::chrono::month(static_cast<unsigned>(parts[1])),
                                         std::chrono::day(static_cast<unsigned>(parts[2]))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date);
}

void ReadTrainedAt(Reader& reader, const std::optional<Value>& value, Workload* workload) {
  const std::optional<std::string> text = reader.ReadString(value);
  if (!text) return;
  workload->trained_at = ParseDate(*text);
  if (!workload->trained_at) {
    reader.Error(value->where,
                 "'trained_at' must be a date such as 2026-09-01, not " + Quote(*text));
  }
}

void ReadSources(Reader& reader, const std::optional<Value>& value, const std::string& context,
                 const FetchSettings& defaults, Workload* workload, NameLines* source_names) {
  const std::optional<std::vector<Value>> items = reader.ReadList(value);
  if (!items) return;
  if (items->empty()) reader.Error(value->where, context + " needs at least one source");
  for (const Value& item : *items) {
    if (std::optional<Source> source = ReadSource(reader, item, defaults, source_names)) {
      source->workload = workload->name;
      workload->sources.push_back(std::move(*source));
    }
  }
}

std::optional<Workload> ReadWorkload(Reader& reader, const Value& value,
                                     const FetchSettings& defaults, NameLines* workload_names,
                                     NameLines* source_names) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return std::nullopt;
  Workload workload;
  workload.where = map->where();
  const std::optional<Value> name_value = reader.Require(*map, "name", "workload");
  const std::optional<std::string> name = reader.ReadName(name_value);
  if (name) {
    workload.name = *name;
    CheckUnique(reader, "workload", *name, name_value->where, workload_names);
  }
  const std::string context = name ? "workload " + Quote(*name) : "workload";
  reader.CheckKeys(
      *map, {"name", "strategy", "trained_at", "latency_budget", "explainability", "sources"},
      context);
  Assign(reader.ReadEnum<Strategy>(reader.Require(*map, "strategy", context),
                                   {{"rag", Strategy::kRag},
                                    {"fine_tuning", Strategy::kFineTuning},
                                    {"hybrid", Strategy::kHybrid}}),
         &workload.strategy);
  ReadTrainedAt(reader, map->Get("trained_at"), &workload);
  Assign(reader.ReadDuration(map->Get("latency_budget")), &workload.latency_budget);
  Assign(
      reader.ReadEnum<bool>(map->Get("explainability"), {{"required", true}, {"optional", false}}),
      &workload.explainability_required);
  ReadSources(reader, reader.Require(*map, "sources", context), context, defaults, &workload,
              source_names);
  return workload;
}

}  // namespace

void ReadDefaults(Reader& reader, const std::optional<Value>& value, FetchSettings* defaults) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return;
  reader.CheckKeys(
      *map,
      {"interval", "budget", "min_interval", "max_interval", "listing_interval", "timeout",
       "max_bytes", "max_pages", "user_agent", "headers", "host_concurrency", "max_listing_drop"},
      "defaults");
  ReadSchedule(reader, *map, "defaults", false, defaults);
  ReadFetchSettings(reader, *map, defaults);
  Assign(reader.ReadInt(map->Get("host_concurrency"), 1, 64), &defaults->host_concurrency);
}

void ReadWorkloads(Reader& reader, const std::optional<Value>& value, const FetchSettings& defaults,
                   std::vector<Workload>* workloads) {
  const std::optional<std::vector<Value>> items = reader.ReadList(value);
  if (!items) return;
  NameLines workload_names;
  NameLines source_names;
  for (const Value& item : *items) {
    if (std::optional<Workload> workload =
            ReadWorkload(reader, item, defaults, &workload_names, &source_names)) {
      workloads->push_back(std::move(*workload));
    }
  }
}

std::optional<std::vector<Header>> ReadHeaders(Reader& reader, const std::optional<Value>& value) {
  return ReadHeaderList(reader, value);
}

}  // namespace freshd::config::internal
