// The freshd configuration file (DESIGN.md section 3): loading, validation and the typed
// result. Loading never throws: every problem found is returned, each with file, line and
// column, so that `freshd check-config` can print all of them at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace freshd::config {

using Duration = std::chrono::milliseconds;

// Where a value was written, for error messages (1-based line and column).
struct Location {
  int line = 0;
  int column = 0;
};

struct ConfigError {
  std::string file;
  Location where;
  std::string message;
  // "FILE:LINE:COL: message"; "FILE: message" when there is no position (line 0), as for a
  // file that cannot be read.
  std::string ToString() const;
};

// A header value, given inline, or read from a file (`{file: PATH}`) or an environment
// variable (`{env: NAME}`) at load time. Values from files or the environment are secrets:
// they are never logged, exported or returned by the API.
struct Header {
  std::string name;
  std::string value;
  bool secret = false;
};

// Fetch settings: `defaults`, possibly overridden per source.
// A request budget for `interval: adaptive`: at most `requests` in any window of `per`
// (`400/m`), conditional requests included.
struct RequestBudget {
  std::uint64_t requests = 0;
  Duration per = std::chrono::seconds(1);
  bool operator==(const RequestBudget&) const = default;
};

struct FetchSettings {
  Duration interval = std::chrono::minutes(15);  // fixed interval; ignored when adaptive
  // `interval: adaptive` (DESIGN.md 6.3): each document has its own schedule, the budget
  // spread over them by their estimated change rates, within [min_interval, max_interval].
  // Listings (sitemap, feed, folder scan) are then read every `listing_interval`.
  bool adaptive = false;
  std::optional<RequestBudget> budget;  // required when adaptive
  Duration min_interval = std::chrono::minutes(1);
  Duration max_interval = std::chrono::hours(24 * 7);
  Duration listing_interval = std::chrono::minutes(15);
  Duration timeout = std::chrono::seconds(20);
  std::uint64_t max_bytes = 10 * 1024 * 1024;
  std::uint32_t max_pages = 2000;  // of a PDF (or slides of a presentation) read as text
  std::string user_agent;          // defaults to "freshd/<version>"; "<version>" in it is expanded
  std::vector<Header> headers;
  int host_concurrency = 4;  // at most this many requests in flight to one host
  // A sitemap, feed or folder that loses more than this share of its documents in one run
  // (an empty or broken listing) removes none of them and is marked failing instead.
  double max_listing_drop = 0.5;
};

// HTTP Basic credentials written as the userinfo of a source's URL
// ("https://user:pass@host/"), percent-decoded and taken out of the URL at load time. A
// secret: the URL keeps no trace of them, and only the HTTP client sees them, for requests
// to that URL's own origin.
struct Credentials {
  std::string user;
  std::string password;
  bool operator==(const Credentials&) const = default;
};

enum class SourceKind { kHttp, kSitemap, kFeed, kDirectory, kGit };
std::string_view ToString(SourceKind kind);

struct Selector {
  enum class Kind { kNone, kXPath, kCss };
  Kind kind = Kind::kNone;
  std::string expression;
  Location where;  // of the expression
  // Documents (PDF, Office, OpenDocument): pages or slides kept ("1-3,7"), and a regex
  // their heading path must match; "" keeps all.
  std::string pages;
  std::string heading;
};

// `git:` sources (DESIGN.md 8a): the files of one branch that match `paths`.
struct GitSettings {
  std::string url;  // https, http, git, ssh, file, or a local path; never with a password
  std::string branch = "main";
  std::vector<std::string> paths;           // globs from the repository root; empty: every file
  std::string username = "x-access-token";  // with the token, for http(s)
  std::string token;                        // read from token_file or token_env: a secret
  std::uint32_t history_depth = 10'000;     // commits read for the files' history
  bool operator==(const GitSettings&) const = default;
};

struct Source {
  std::string name;  // unique across the whole file; letters, digits, '.', '_', '-'
  std::string workload;
  SourceKind kind = SourceKind::kHttp;
  std::string url;  // http, sitemap, feed; never with userinfo (see `credentials`)
  std::optional<Credentials> credentials;  // from the userinfo of the URL as written
  std::string include;            // sitemap, feed: regex a document URL must match (empty: all)
  int max_child_sitemaps = 1000;  // sitemap: child sitemaps of an index read, the first ones
  std::string path;               // directory: root folder
  std::string glob;               // directory: pattern relative to path, `**` crosses folders
  GitSettings git;                // git
  Selector select;
  // Regexes (PCRE2), validated at load time by compiling them with PCRE2_UTF; `include` too.
  std::vector<std::string> ignore;
  FetchSettings fetch;
  Location where;
};

enum class Strategy { kRag, kFineTuning, kHybrid };
std::string_view ToString(Strategy strategy);

struct Workload {
  std::string name;
  Strategy strategy = Strategy::kRag;
  std::optional<std::chrono::sys_days> trained_at;
  Duration latency_budget = std::chrono::milliseconds(0);  // 0: not given (no budget)
  bool explainability_required = false;
  std::vector<Source> sources;
  Location where;
};

struct RagStore {
  enum class Kind { kEmbedded, kChroma, kPostgres, kWebhook };
  Kind kind = Kind::kEmbedded;
  enum class Distance { kCosine, kL2, kInnerProduct };
  enum class PostgresLayout { kFreshd, kLangchain };
  std::string chroma_url = "http://127.0.0.1:8000";
  std::string chroma_collection = "knowledge";
  std::string chroma_tenant = "default_tenant";
  std::string chroma_database = "default_database";
  std::vector<Header> chroma_headers;  // e.g. X-Chroma-Token from a file: values may be secrets
  Distance chroma_distance = Distance::kCosine;  // the collection's space
  std::string postgres_dsn;                      // read from dsn_file (or dsn_env): a secret
  PostgresLayout postgres_layout = PostgresLayout::kFreshd;
  // The chunk table; "langchain_pg_embedding" by default with the langchain layout.
  std::string postgres_table = "rag_chunks";
  std::string postgres_collection = "knowledge";  // the langchain layout's collection name
  std::string postgres_text_search = "english";   // a text search configuration (stemming)
  std::string webhook_url;
  std::vector<Header> webhook_headers;  // values may be secrets
  // How often the sink's contents are compared with what freshd believes it holds, and
  // repaired; 0: only on `freshd reconcile`.
  Duration reconcile_every = Duration::zero();
  // How long the chunks of a source taken out of the configuration stay in the sink: a
  // source put back within it is indexed as it was, with nothing deleted.
  Duration removed_source_grace = std::chrono::hours(24);
};

struct Chunking {
  int max_chars = 1200;
  int overlap_chars = 0;
};

struct Embedder {
  enum class Kind { kNone, kHashing, kOpenAi };
  Kind kind = Kind::kHashing;
  int dims = 384;
  std::string base_url;     // kOpenAi: "https://api.openai.com/v1" when not given
  std::string model;        // required for kOpenAi
  std::string api_key;      // read from api_key_file or api_key_env (optional): a secret
  std::string api_key_env;  // the variable named by api_key_env, "" otherwise (not a secret)
};

struct Advisor {
  Duration rag_if_changes_faster_than = std::chrono::days(30);
  Duration fine_tune_if_stable_for = std::chrono::days(90);
  Duration fine_tune_if_latency_below = std::chrono::milliseconds(100);
  double confidence = 0.9;
  Duration hold_for = std::chrono::hours(24);
  Duration assess_every = std::chrono::minutes(5);  // how often workloads are re-assessed
};

struct Log {
  enum class Level { kTrace, kDebug, kInfo, kWarn, kError };
  enum class Format { kText, kJson };
  Level level = Level::kInfo;
  Format format = Format::kText;
};

// The HTTP API (`api`).
struct Api {
  // Whether POST /-/reload and POST /api/v1/reconcile are served (cross-site requests are
  // refused in any case). Default: on when `listen` is a loopback address, off otherwise.
  bool enable_lifecycle = true;
};

struct Config {
  std::string file;  // the path it was loaded from
  std::string state_dir = "/var/lib/freshd";
  std::string listen_host = "127.0.0.1";  // an IPv6 address without its brackets
  int listen_port = 9711;
  Log log;
  Api api;
  FetchSettings defaults;
  RagStore rag_store;
  Chunking chunking;
  Embedder embedder;
  Advisor advisor;
  std::vector<Workload> workloads;
};

// Whether a `listen` host is a loopback address: 127.0.0.0/8, ::1, an IPv4-mapped 127.x
// address, or localhost.
bool IsLoopbackAddress(std::string_view host);

struct LoadResult {
  std::optional<Config> config;     // set only when errors is empty
  std::vector<ConfigError> errors;  // in file order
};

// Reads and validates FILE. Relative paths in it (state_dir, directory sources, *_file
// keys) are resolved against the folder that holds FILE.
LoadResult Load(const std::string& file);

// Validates YAML text as if it had been read from `file_name` (for tests and reloads).
LoadResult Parse(std::string_view yaml_text, const std::string& file_name);

}  // namespace freshd::config
