#include "config/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <exception>
#include <filesystem>

#include "config/reader.h"
#include "config/sections.h"
#include "config/units.h"

namespace freshd::config {
namespace {

using internal::Assign;
using internal::Map;
using internal::Quote;
using internal::Reader;
using internal::ReadSecret;
using internal::Value;

constexpr char kOpenAiBaseUrl[] = "https://api.openai.com/v1";
constexpr int kMaxChunkChars = 1'000'000;
// A configuration is a few kilobytes; a file much larger is a wrong path, and parsing it
// would take memory in proportion (yaml-cpp needs ~50 bytes a byte).
constexpr std::uint64_t kMaxConfigBytes = 1024 * 1024;

std::optional<int> ParsePort(std::string_view text) {
  int port = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, port);
  if (ec != std::errc() || stop != end || port < 1 || port > 65535) return std::nullopt;
  return port;
}

// Splits "HOST:PORT" or "[IPV6]:PORT"; the problem found, or the empty string.
std::string SplitListen(std::string_view text, std::string* host, int* port) {
  std::string_view port_text;
  if (text.starts_with("[")) {
    const std::size_t close = text.find(']');
    if (close == text.npos || text.substr(close + 1, 1) != ":") return "a port after ']:'";
    *host = std::string(text.substr(1, close - 1));
    in6_addr address;
    if (inet_pton(AF_INET6, host->c_str(), &address) != 1) return "an IPv6 address in [ ]";
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == text.npos) return "a port";
    *host = std::string(text.substr(0, colon));
    if (host->empty()) return "a host";
    if (host->find(':') != std::string::npos) return "an IPv6 address in [ ]";
    port_text = text.substr(colon + 1);
  }
  const std::optional<int> parsed = ParsePort(port_text);
  if (!parsed) return "a port between 1 and 65535";
  *port = *parsed;
  return "";
}

void ReadListen(Reader& reader, const std::optional<Value>& value, Config* config) {
  if (value && value->node.IsSequence()) {
    reader.Error(value->where, "'listen' must be HOST:PORT; quote an IPv6 one: \"[::1]:9711\"");
    return;
  }
  const std::optional<std::string> text = reader.ReadString(value);
  if (!text) return;
  std::string host;
  int port = 0;
  const std::string missing = SplitListen(*text, &host, &port);
  if (!missing.empty()) {
    const std::string expected = "'listen' must be HOST:PORT such as 127.0.0.1:9711 or [::1]:9711";
    reader.Error(value->where, expected + " and needs " + missing + ", not " + Quote(*text));
    return;
  }
  config->listen_host = host;
  config->listen_port = port;
}

// After `listen`: the default depends on it.
void ReadApi(Reader& reader, const std::optional<Value>& value, Config* config) {
  config->api.enable_lifecycle = IsLoopbackAddress(config->listen_host);
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return;
  reader.CheckKeys(*map, {"enable_lifecycle"}, "api");
  Assign(reader.ReadEnum<bool>(map->Get("enable_lifecycle"), {{"true", true}, {"false", false}}),
         &config->api.enable_lifecycle);
}

void ReadLog(Reader& reader, const std::optional<Value>& value, Log* log) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return;
  reader.CheckKeys(*map, {"level", "format"}, "log");
  Assign(reader.ReadEnum<Log::Level>(map->Get("level"), {{"trace", Log::Level::kTrace},
                                                         {"debug", Log::Level::kDebug},
                                                         {"info", Log::Level::kInfo},
                                                         {"warn", Log::Level::kWarn},
                                                         {"error", Log::Level::kError}}),
         &log->level);
  Assign(reader.ReadEnum<Log::Format>(map->Get("format"),
                                      {{"text", Log::Format::kText}, {"json", Log::Format::kJson}}),
         &log->format);
}

bool IsSqlIdentifier(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// "table" or "schema.table", each part a plain SQL identifier.
bool IsTableName(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == text.npos) return IsSqlIdentifier(text);
  return IsSqlIdentifier(text.substr(0, dot)) && IsSqlIdentifier(text.substr(dot + 1));
}

void ReadChroma(Reader& reader, const std::optional<Value>& value, RagStore* store) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return;
  reader.CheckKeys(*map, {"url", "collection", "tenant", "database", "headers", "distance"},
                   "rag_store.chroma");
  Assign(reader.ReadUrl(map->Get("url")), &store->chroma_url);
  Assign(reader.ReadName(map->Get("collection")), &store->chroma_collection);
  Assign(reader.ReadNonEmptyString(map->Get("tenant")), &store->chroma_tenant);
  Assign(reader.ReadNonEmptyString(map->Get("database")), &store->chroma_database);
  Assign(internal::ReadHeaders(reader, map->Get("headers")), &store->chroma_headers);
  Assign(reader.ReadEnum<RagStore::Distance>(map->Get("distance"),
                                             {{"cosine", RagStore::Distance::kCosine},
                                              {"l2", RagStore::Distance::kL2},
                                              {"ip", RagStore::Distance::kInnerProduct}}),
         &store->chroma_distance);
}

// A table or text search configuration name, "name" or "schema.name": written to `*out`, or
// an error naming `what`.
void ReadQualifiedName(Reader& reader, const std::optional<Value>& value, std::string_view what,
                       std::string* out) {
  const std::optional<std::string> name = reader.ReadNonEmptyString(value);
  if (name && !IsTableName(*name)) {
    reader.Error(value->where, "'" + std::string(what) + "' must be a name such as " +
                                   (what == "table" ? "schema.rag_chunks" : "english") + ", not " +
                                   Quote(*name));
    return;
  }
  Assign(name, out);
}

void ReadPostgres(Reader& reader, const std::optional<Value>& value, Location kind_where,
                  RagStore* store) {
  const bool selected = store->kind == RagStore::Kind::kPostgres;
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) {
    if (!value && selected) reader.Error(kind_where, "rag_store kind 'postgres' needs 'postgres'");
    return;
  }
  reader.CheckKeys(*map, {"dsn_file", "dsn_env", "table", "layout", "collection", "text_search"},
                   "rag_store.postgres");
  ReadSecret(reader, *map, {"rag_store.postgres", "dsn", selected, true}, &store->postgres_dsn);
  Assign(reader.ReadEnum<RagStore::PostgresLayout>(
             map->Get("layout"), {{"freshd", RagStore::PostgresLayout::kFreshd},
                                  {"langchain", RagStore::PostgresLayout::kLangchain}}),
         &store->postgres_layout);
  if (store->postgres_layout == RagStore::PostgresLayout::kLangchain) {
    store->postgres_table = "langchain_pg_embedding";
  }
  ReadQualifiedName(reader, map->Get("table"), "table", &store->postgres_table);
  ReadQualifiedName(reader, map->Get("text_search"), "text_search", &store->postgres_text_search);
  Assign(reader.ReadNonEmptyString(map->Get("collection")), &store->postgres_collection);
}

void ReadWebhook(Reader& reader, const std::optional<Value>& value, Location kind_where,
                 RagStore* store) {
  const bool selected = store->kind == RagStore::Kind::kWebhook;
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) {
    if (!value && selected) reader.Error(kind_where, "rag_store kind 'webhook' needs 'webhook'");
    return;
  }
  reader.CheckKeys(*map, {"url", "headers"}, "rag_store.webhook");
  const std::optional<Value> url =
      selected ? reader.Require(*map, "url", "rag_store.webhook") : map->Get("url");
  Assign(reader.ReadUrl(url), &store->webhook_url);
  Assign(internal::ReadHeaders(reader, map->Get("headers")), &store->webhook_headers);
}

void ReadRagStore(Reader& reader, const std::optional<Value>& value, RagStore* store) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return;
  reader.CheckKeys(
      *map, {"kind", "chroma", "postgres", "webhook", "reconcile_every", "removed_source_grace"},
      "rag_store");
  Assign(reader.ReadDuration(map->Get("reconcile_every")), &store->reconcile_every);
  Assign(reader.ReadDuration(map->Get("removed_source_grace")), &store->removed_source_grace);
  const std::optional<Value> kind = map->Get("kind");
  Assign(reader.ReadEnum<RagStore::Kind>(kind, {{"embedded", RagStore::Kind::kEmbedded},
                                                {"chroma", RagStore::Kind::kChroma},
                                                {"postgres", RagStore::Kind::kPostgres},
                                                {"webhook", RagStore::Kind::kWebhook}}),
         &store->kind);
  const Location kind_where = kind ? kind->where : map->where();
  ReadChroma(reader, map->Get("chroma"), store);
  ReadPostgres(reader, map->Get("postgres"), kind_where, store);
  ReadWebhook(reader, map->Get("webhook"), kind_where, store);
}

void ReadChunking(Reader& reader, const std::optional<Value>& value, Chunking* chunking) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return;
  reader.CheckKeys(*map, {"max_chars", "overlap_chars"}, "chunking");
  Assign(reader.ReadInt(map->Get("max_chars"), 100, kMaxChunkChars), &chunking->max_chars);
  const std::optional<Value> overlap = map->Get("overlap_chars");
  const std::optional<std::int64_t> overlap_chars = reader.ReadInt(overlap, 0, kMaxChunkChars);
  if (overlap_chars && *overlap_chars >= chunking->max_chars) {
    reader.Error(overlap->where, "'overlap_chars' must be less than max_chars (" +
                                     std::to_string(chunking->max_chars) + "), not " +
                                     std::to_string(*overlap_chars));
    return;
  }
  Assign(overlap_chars, &chunking->overlap_chars);
}

void ReadEmbedder(Reader& reader, const std::optional<Value>& value, Embedder* embedder) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return;
  reader.CheckKeys(*map, {"kind", "dims", "base_url", "model", "api_key_file", "api_key_env"},
                   "embedder");
  const std::optional<Value> kind = map->Get("kind");
  Assign(reader.ReadEnum<Embedder::Kind>(kind, {{"none", Embedder::Kind::kNone},
                                                {"hashing", Embedder::Kind::kHashing},
                                                {"openai", Embedder::Kind::kOpenAi}}),
         &embedder->kind);
  Assign(reader.ReadInt(map->Get("dims"), 8, 8192), &embedder->dims);
  Assign(reader.ReadUrl(map->Get("base_url")), &embedder->base_url);
  Assign(reader.ReadNonEmptyString(map->Get("model")), &embedder->model);
  const bool openai = embedder->kind == Embedder::Kind::kOpenAi;
  ReadSecret(reader, *map, {"embedder", "api_key", openai, false}, &embedder->api_key);
  Assign(reader.ReadNonEmptyString(map->Get("api_key_env")), &embedder->api_key_env);
  if (!openai) return;
  if (embedder->base_url.empty()) embedder->base_url = kOpenAiBaseUrl;
  if (!map->Get("model")) reader.Error(kind->where, "embedder kind 'openai' needs 'model'");
}

// Chroma would embed with a model of its own when given no vectors, and LangChain's PGVector
// tables need one in every row: freshd always sends them there.
void CheckEmbedderFitsStore(Reader& reader, const std::optional<Value>& rag_store,
                            const std::optional<Value>& embedder, const Config& config) {
  if (config.embedder.kind != Embedder::Kind::kNone) return;
  const RagStore& store = config.rag_store;
  const bool langchain = store.kind == RagStore::Kind::kPostgres &&
                         store.postgres_layout == RagStore::PostgresLayout::kLangchain;
  if (store.kind != RagStore::Kind::kChroma && !langchain) return;
  const Location where = embedder ? embedder->where : rag_store ? rag_store->where : Location{};
  reader.Error(where, std::string(langchain ? "rag_store postgres layout 'langchain'"
                                            : "rag_store kind 'chroma'") +
                          " needs vectors: embedder kind 'none' sends none (use 'hashing' or "
                          "'openai')");
}

void ReadAdvisor(Reader& reader, const std::optional<Value>& value, Advisor* advisor) {
  const std::optional<Map> map = reader.ReadMap(value);
  if (!map) return;
  reader.CheckKeys(*map,
                   {"rag_if_changes_faster_than", "fine_tune_if_stable_for",
                    "fine_tune_if_latency_below", "confidence", "hold_for", "assess_every"},
                   "advisor");
  Assign(reader.ReadDuration(map->Get("assess_every")), &advisor->assess_every);
  Assign(reader.ReadDuration(map->Get("fine_tune_if_latency_below")),
         &advisor->fine_tune_if_latency_below);
  Assign(reader.ReadFraction(map->Get("confidence"), 0, 1), &advisor->confidence);
  Assign(reader.ReadDuration(map->Get("hold_for")), &advisor->hold_for);
  const std::optional<Value> fast = map->Get("rag_if_changes_faster_than");
  const std::optional<Value> stable = map->Get("fine_tune_if_stable_for");
  const std::optional<Duration> fast_value = reader.ReadDuration(fast);
  const std::optional<Duration> stable_value = reader.ReadDuration(stable);
  if ((fast && !fast_value) || (stable && !stable_value)) return;
  Assign(fast_value, &advisor->rag_if_changes_faster_than);
  Assign(stable_value, &advisor->fine_tune_if_stable_for);
  if (advisor->rag_if_changes_faster_than > advisor->fine_tune_if_stable_for) {
    // Otherwise one change interval could be classified both fast and stable.
    reader.Error(fast ? fast->where : stable->where,
                 "'rag_if_changes_faster_than' (" +
                     FormatDuration(advisor->rag_if_changes_faster_than) +
                     ") must not be longer than 'fine_tune_if_stable_for' (" +
                     FormatDuration(advisor->fine_tune_if_stable_for) + ")");
  }
}

Config BuildConfig(Reader& reader, const YAML::Node& root) {
  Config config;
  config.defaults.user_agent = internal::kDefaultUserAgent;
  const std::optional<Map> top =
      reader.ReadMap(Value{root, "the configuration", internal::LocationOf(root)});
  if (!top) return config;
  reader.CheckKeys(*top,
                   {"state_dir", "listen", "api", "log", "defaults", "rag_store", "chunking",
                    "embedder", "advisor", "workloads"},
                   "the configuration");
  Assign(reader.ReadPath(top->Get("state_dir")), &config.state_dir);
  ReadListen(reader, top->Get("listen"), &config);
  ReadApi(reader, top->Get("api"), &config);
  ReadLog(reader, top->Get("log"), &config.log);
  internal::ReadDefaults(reader, top->Get("defaults"), &config.defaults);
  ReadRagStore(reader, top->Get("rag_store"), &config.rag_store);
  ReadChunking(reader, top->Get("chunking"), &config.chunking);
  ReadEmbedder(reader, top->Get("embedder"), &config.embedder);
  ReadAdvisor(reader, top->Get("advisor"), &config.advisor);
  CheckEmbedderFitsStore(reader, top->Get("rag_store"), top->Get("embedder"), config);
  const std::optional<Value> workloads = top->Get("workloads");
  internal::ReadWorkloads(reader, workloads, config.defaults, &config.workloads);
  const bool no_workloads = !workloads || workloads->node.IsNull() ||
                            (workloads->node.IsSequence() && workloads->node.size() == 0);
  if (no_workloads) {
    // An empty file (a truncated copy, `: > freshd.yaml`) must never mean "watch nothing":
    // a reload to it would take every source's chunks out of the RAG store.
    const Location where = workloads ? workloads->where : top->where();
    reader.Error(where.line > 0 ? where : Location{1, 1},
                 "no workloads: freshd would watch nothing; add at least one workload with its "
                 "sources under 'workloads'");
  }
  return config;
}

// Where the first NUL byte is, if any: YAML forbids it, and yaml-cpp reports it a line late.
std::optional<Location> FindNul(std::string_view text) {
  const std::size_t at = text.find('\0');
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view before = text.substr(0, at);
  const std::size_t line_start = before.rfind('\n');
  const auto line = static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1;
  const auto column =
      static_cast<int>(line_start == std::string_view::npos ? at : at - line_start - 1) + 1;
  return Location{line, column};
}

LoadResult Validate(const std::string& text, const std::string& file,
                    const std::filesystem::path& base_dir) {
  Reader reader(file, base_dir);
  if (std::optional<Location> nul = FindNul(text)) {
    reader.Error(*nul, "a NUL byte: a configuration file is text (is this the right file?)");
    return {std::nullopt, reader.TakeErrors()};
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& error) {
    reader.Error(internal::LocationOf(error.mark), error.msg);
    return {std::nullopt, reader.TakeErrors()};
  }
  Config config = BuildConfig(reader, root);
  if (reader.HasErrors()) return {std::nullopt, reader.TakeErrors()};
  config.file = file;
  return {std::move(config), {}};
}

// The folder against which relative paths in `file` are resolved.
std::filesystem::path BaseDir(const std::string& file) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(file, error);
  if (error) return std::filesystem::current_path(error);
  return absolute.parent_path();
}

LoadResult Failure(const std::string& file, std::string message) {
  return {std::nullopt, {ConfigError{file, {}, std::move(message)}}};
}

LoadResult ParseGuarded(const std::string& text, const std::string& file_name) {
  try {
    return Validate(text, file_name, BaseDir(file_name));
  } catch (const std::exception& error) {
    return Failure(file_name, std::string("cannot validate the configuration: ") + error.what());
  }
}

}  // namespace

std::string ConfigError::ToString() const {
  if (where.line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
         message;
}

std::string_view ToString(SourceKind kind) {
  switch (kind) {
    case SourceKind::kHttp:
      return "http";
    case SourceKind::kSitemap:
      return "sitemap";
    case SourceKind::kFeed:
      return "feed";
    case SourceKind::kDirectory:
      return "directory";
    case SourceKind::kGit:
      return "git";
  }
  return "unknown";
}

std::string_view ToString(Strategy strategy) {
  switch (strategy) {
    case Strategy::kRag:
      return "rag";
    case Strategy::kFineTuning:
      return "fine_tuning";
    case Strategy::kHybrid:
      return "hybrid";
  }
  return "unknown";
}

bool IsLoopbackAddress(std::string_view host) {
  const std::string text(host);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return lower == "localhost";
}

LoadResult Load(const std::string& file) {
  const Result<std::string> content = internal::ReadWholeFile(file, kMaxConfigBytes);
  if (!content.ok()) return Failure(file, "cannot read: " + content.status().message());
  return ParseGuarded(*content, file);
}

LoadResult Parse(std::string_view yaml_text, const std::string& file_name) {
  return ParseGuarded(std::string(yaml_text), file_name);
}

}  // namespace freshd::config
