// Loading valid configurations: the values that come out of them.
#include "config/config.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "tests/config/config_test_util.h"
#include "tests/support/temp_dir.h"
#include "version.h"

namespace freshd::config {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::kOneWorkload;
using testing::Messages;
using testing::ParseWithWorkload;
using testing::ParseYaml;
using testing::Yaml;

// DESIGN.md section 3, verbatim.
constexpr std::string_view kDesignExample = R"yaml(
state_dir: /var/lib/freshd          # RocksDB lives here (systemd StateDirectory)
listen: 127.0.0.1:9711              # /metrics, /healthz, /readyz, /api/v1/*, status page
log: { level: info, format: text }  # text | json

defaults:                            # any source may override these
  interval: 15m                      # poll interval
  timeout: 20s
  max_bytes: 10MiB                   # larger bodies are an error for that source, not a crash
  user_agent: "freshd/<version>"
  headers: {}                        # e.g. Authorization from a credential file: see below

rag_store:
  kind: embedded                     # embedded (default) | chroma | postgres | webhook
  # chroma:   { url: http://127.0.0.1:8000, collection: knowledge }
  # postgres: { dsn_file: /run/credentials/freshd.service/pg_dsn, table: rag_chunks }
  # webhook:  { url: http://127.0.0.1:9000/ingest }
chunking: { max_chars: 1200, overlap_chars: 0 }
embedder: { kind: hashing, dims: 384 }  # none | hashing | openai (base_url, model, api_key_file)

advisor:
  rag_if_changes_faster_than: 30d    # knowledge that updates faster than monthly -> RAG
  fine_tune_if_stable_for: 90d       # stable for a quarter -> fine-tuning
  fine_tune_if_latency_below: 100ms  # user-facing budget under this -> retrieval too slow
  confidence: 0.9                    # two-sided level of the change-interval interval
  hold_for: 24h                      # a new recommendation must hold this long to be published

workloads:
  - name: support-policies
    strategy: rag                    # what it runs on today: rag | fine_tuning | hybrid
    latency_budget: 800ms
    explainability: required         # required | optional
    sources:
      - name: refund-policy
        http: { url: "https://example.com/policies/refund" }
        select: { xpath: "//main//article" }   # or css: "main article"
        ignore: ["Last updated: .*"]           # regexes removed before comparing
      - name: policy-pages
        sitemap: { url: "https://example.com/sitemap.xml", include: "/policies/" }
      - name: handbook
        directory: { path: /srv/handbook, glob: "**/*.md" }
  - name: merchant-classifier
    strategy: fine_tuning
    trained_at: 2026-09-01           # snapshot date of the training data
    latency_budget: 50ms
    explainability: optional
    sources:
      - name: mcc-codes
        feed: { url: "https://example.com/mcc/changes.atom" }
)yaml";

const std::string kUserAgent = "freshd/" FRESHD_VERSION;

TEST_CASE("the example of DESIGN.md section 3 loads with its values", "[config]") {
  const LoadResult result = ParseYaml(kDesignExample);
  REQUIRE(Messages(result).empty());
  REQUIRE(result.config.has_value());
  const Config& config = *result.config;

  CHECK(config.file == "test.yaml");
  CHECK(config.state_dir == "/var/lib/freshd");
  CHECK(config.listen_host == "127.0.0.1");
  CHECK(config.listen_port == 9711);
  CHECK(config.log.level == Log::Level::kInfo);
  CHECK(config.log.format == Log::Format::kText);

  CHECK(config.defaults.interval == minutes(15));
  CHECK(config.defaults.timeout == seconds(20));
  CHECK(config.defaults.max_bytes == 10u * 1024 * 1024);
  CHECK(config.defaults.user_agent == kUserAgent);
  CHECK(config.defaults.headers.empty());
  CHECK(config.defaults.host_concurrency == 4);

  CHECK(config.rag_store.kind == RagStore::Kind::kEmbedded);
  CHECK(config.chunking.max_chars == 1200);
  CHECK(config.chunking.overlap_chars == 0);
  CHECK(config.embedder.kind == Embedder::Kind::kHashing);
  CHECK(config.embedder.dims == 384);
  CHECK(config.advisor.rag_if_changes_faster_than == days(30));
  CHECK(config.advisor.fine_tune_if_stable_for == days(90));
  CHECK(config.advisor.fine_tune_if_latency_below == milliseconds(100));
  CHECK(config.advisor.confidence == Approx(0.9));
  CHECK(config.advisor.hold_for == hours(24));

  REQUIRE(config.workloads.size() == 2);
  const Workload& support = config.workloads[0];
  CHECK(support.name == "support-policies");
  CHECK(support.strategy == Strategy::kRag);
  CHECK_FALSE(support.trained_at.has_value());
  CHECK(support.latency_budget == milliseconds(800));
  CHECK(support.explainability_required);
  CHECK(support.where.line == 28);
  CHECK(support.where.column == 5);
  REQUIRE(support.sources.size() == 3);

  const Source& refund = support.sources[0];
  CHECK(refund.name == "refund-policy");
  CHECK(refund.workload == "support-policies");
  CHECK(refund.kind == SourceKind::kHttp);
  CHECK(refund.url == "https://example.com/policies/refund");
  CHECK(refund.select.kind == Selector::Kind::kXPath);
  CHECK(refund.select.expression == "//main//article");
  CHECK(refund.ignore == std::vector<std::string>{"Last updated: .*"});
  CHECK(refund.fetch.interval == minutes(15));
  CHECK(refund.fetch.timeout == seconds(20));
  CHECK(refund.fetch.max_bytes == 10u * 1024 * 1024);
  CHECK(refund.fetch.user_agent == kUserAgent);
  CHECK(refund.where.line == 33);
  CHECK(refund.where.column == 9);

  const Source& pages = support.sources[1];
  CHECK(pages.name == "policy-pages");
  CHECK(pages.kind == SourceKind::kSitemap);
  CHECK(pages.url == "https://example.com/sitemap.xml");
  CHECK(pages.include == "/policies/");
  CHECK(pages.select.kind == Selector::Kind::kNone);
  CHECK(pages.where.line == 37);

  const Source& handbook = support.sources[2];
  CHECK(handbook.name == "handbook");
  CHECK(handbook.kind == SourceKind::kDirectory);
  CHECK(handbook.path == "/srv/handbook");
  CHECK(handbook.glob == "**/*.md");
  CHECK(handbook.where.line == 39);

  const Workload& classifier = config.workloads[1];
  CHECK(classifier.name == "merchant-classifier");
  CHECK(classifier.strategy == Strategy::kFineTuning);
  REQUIRE(classifier.trained_at.has_value());
  CHECK(*classifier.trained_at ==
        std::chrono::sys_days(std::chrono::year(2026) / std::chrono::September / 1));
  CHECK(classifier.latency_budget == milliseconds(50));
  CHECK_FALSE(classifier.explainability_required);
  REQUIRE(classifier.sources.size() == 1);
  CHECK(classifier.sources[0].kind == SourceKind::kFeed);
  CHECK(classifier.sources[0].url == "https://example.com/mcc/changes.atom");
  CHECK(classifier.sources[0].workload == "merchant-classifier");
  CHECK(classifier.sources[0].where.line == 47);
  CHECK(classifier.sources[0].where.column == 9);
}

TEST_CASE("a file with only workloads gives the documented defaults", "[config]") {
  const LoadResult result = ParseWithWorkload("");
  REQUIRE(Messages(result).empty());
  const Config& config = *result.config;
  CHECK(config.state_dir == "/var/lib/freshd");
  CHECK(config.listen_host == "127.0.0.1");
  CHECK(config.listen_port == 9711);
  CHECK(config.defaults.user_agent == kUserAgent);
  CHECK(config.defaults.interval == minutes(15));
  CHECK(config.workloads.size() == 1);
}

TEST_CASE("sources override the defaults they name and inherit the others", "[config]") {
  const LoadResult result = ParseYaml(R"yaml(
defaults:
  interval: 2h
  timeout: 10s
  max_bytes: 1MiB
  host_concurrency: 8
workloads:
  - name: w
    strategy: hybrid
    sources:
      - name: fixed
        http: { url: "https://example.com/a" }
        interval: 1h
        timeout: 500ms
        max_bytes: 2000
        user_agent: "probe/<version> (+ops@example.com)"
      - name: inherited
        feed: { url: "http://example.com/feed" }
)yaml");
  REQUIRE(Messages(result).empty());
  const auto& sources = result.config->workloads[0].sources;
  CHECK(sources[0].fetch.interval == hours(1));
  CHECK(sources[0].fetch.timeout == milliseconds(500));
  CHECK(sources[0].fetch.max_bytes == 2000u);
  CHECK(sources[0].fetch.user_agent == "probe/" FRESHD_VERSION " (+ops@example.com)");
  CHECK(sources[0].fetch.host_concurrency == 8);
  CHECK(sources[1].fetch.interval == hours(2));
  CHECK(sources[1].fetch.timeout == seconds(10));
  CHECK(sources[1].fetch.max_bytes == 1024u * 1024);
  CHECK(sources[1].fetch.user_agent == kUserAgent);
}

TEST_CASE("listen takes HOST:PORT and a bracketed IPv6 address", "[config]") {
  const LoadResult v4 = ParseWithWorkload("listen: 0.0.0.0:65535\n");
  REQUIRE(Messages(v4).empty());
  CHECK(v4.config->listen_host == "0.0.0.0");
  CHECK(v4.config->listen_port == 65535);

  const LoadResult v6 = ParseWithWorkload("listen: \"[::1]:9711\"\n");
  REQUIRE(Messages(v6).empty());
  CHECK(v6.config->listen_host == "::1");
  CHECK(v6.config->listen_port == 9711);

  const LoadResult name = ParseWithWorkload("listen: localhost:1\n");
  REQUIRE(Messages(name).empty());
  CHECK(name.config->listen_host == "localhost");
  CHECK(name.config->listen_port == 1);
}

TEST_CASE("api.enable_lifecycle is on by default only when listen is a loopback address",
          "[config]") {
  for (const char* listen : {"127.0.0.1:9711", "127.9.9.9:1", "\"[::1]:9711\"",
                             "\"[::ffff:127.0.0.1]:9711\"", "localhost:9711"}) {
    INFO(listen);
    const LoadResult result = ParseWithWorkload(std::string("listen: ") + listen + "\n");
    REQUIRE(Messages(result).empty());
    CHECK(result.config->api.enable_lifecycle);
  }
  for (const char* listen :
       {"0.0.0.0:9711", "10.0.0.7:9711", "\"[::]:9711\"", "\"[2001:db8::1]:9711\""}) {
    INFO(listen);
    const LoadResult result = ParseWithWorkload(std::string("listen: ") + listen + "\n");
    REQUIRE(Messages(result).empty());
    CHECK_FALSE(result.config->api.enable_lifecycle);
  }
  CHECK(ParseWithWorkload("").config->api.enable_lifecycle);
}

TEST_CASE("api.enable_lifecycle when given wins over the default", "[config]") {
  const LoadResult on =
      ParseWithWorkload("api: { enable_lifecycle: true }\nlisten: 0.0.0.0:9711\n");
  REQUIRE(Messages(on).empty());
  CHECK(on.config->api.enable_lifecycle);
  const LoadResult off =
      ParseWithWorkload("listen: 127.0.0.1:9711\napi:\n  enable_lifecycle: false\n");
  REQUIRE(Messages(off).empty());
  CHECK_FALSE(off.config->api.enable_lifecycle);
}

TEST_CASE("headers come inline, from a credential file or from the environment", "[config]") {
  freshd::testing::TempDir dir;
  freshd::testing::WriteFile(dir.path() / "secrets" / "token", "Bearer s3cr3t\n");
  REQUIRE(setenv("FRESHD_CONFIG_TEST_KEY", "k-123", 1) == 0);
  freshd::testing::WriteFile(dir.path() / "freshd.yaml", Yaml(R"yaml(
defaults:
  headers:
    Authorization: { file: secrets/token }
    X-Team: platform
workloads:
  - name: w
    strategy: rag
    sources:
      - name: s
        http: { url: "https://example.com/" }
        headers:
          x-team: search
          X-Api-Key: { env: FRESHD_CONFIG_TEST_KEY }
)yaml"));
  const LoadResult result = Load(dir / "freshd.yaml");
  unsetenv("FRESHD_CONFIG_TEST_KEY");
  REQUIRE(Messages(result).empty());

  const std::vector<Header>& defaults = result.config->defaults.headers;
  REQUIRE(defaults.size() == 2);
  CHECK(defaults[0].name == "Authorization");
  CHECK(defaults[0].value == "Bearer s3cr3t");
  CHECK(defaults[0].secret);
  CHECK(defaults[1].name == "X-Team");
  CHECK(defaults[1].value == "platform");
  CHECK_FALSE(defaults[1].secret);

  // The source's x-team replaces the default X-Team; its own header is added.
  const std::vector<Header>& merged = result.config->workloads[0].sources[0].fetch.headers;
  REQUIRE(merged.size() == 3);
  CHECK(merged[0].name == "Authorization");
  CHECK(merged[0].value == "Bearer s3cr3t");
  CHECK(merged[0].secret);
  CHECK(merged[1].name == "x-team");
  CHECK(merged[1].value == "search");
  CHECK_FALSE(merged[1].secret);
  CHECK(merged[2].name == "X-Api-Key");
  CHECK(merged[2].value == "k-123");
  CHECK(merged[2].secret);
}

TEST_CASE("a source URL's userinfo becomes credentials, and leaves the URL", "[config]") {
  const LoadResult result = ParseYaml(R"yaml(
workloads:
  - name: w
    strategy: rag
    sources:
      - name: page
        http: { url: "http://user:SECRET@127.0.0.1:8080/page?at=a@b" }
      - name: encoded
        sitemap: { url: "https://ops%40example.com:p%3Ass@word@example.com/sitemap.xml" }
      - name: user-only
        feed: { url: "https://reader@example.com/feed" }
      - name: plain
        http: { url: "https://example.com/a@b" }
)yaml");
  REQUIRE(Messages(result).empty());
  const std::vector<Source>& sources = result.config->workloads[0].sources;
  CHECK(sources[0].url == "http://127.0.0.1:8080/page?at=a@b");
  CHECK(sources[0].credentials == Credentials{"user", "SECRET"});
  CHECK(sources[1].url == "https://example.com/sitemap.xml");
  CHECK(sources[1].credentials == Credentials{"ops@example.com", "p:ss@word"});
  CHECK(sources[2].url == "https://example.com/feed");
  CHECK(sources[2].credentials == Credentials{"reader", ""});
  CHECK(sources[3].url == "https://example.com/a@b");
  CHECK_FALSE(sources[3].credentials.has_value());
}

TEST_CASE("relative paths are resolved against the folder of the file", "[config]") {
  freshd::testing::TempDir dir;
  const std::filesystem::path conf = dir.path() / "conf";
  freshd::testing::WriteFile(conf / "pg_dsn", "host=127.0.0.1 dbname=rag\n");
  freshd::testing::WriteFile(conf / "freshd.yaml", Yaml(R"yaml(
state_dir: state
rag_store:
  kind: postgres
  postgres: { dsn_file: ./pg_dsn }
workloads:
  - name: w
    strategy: rag
    sources:
      - name: docs
        directory: { path: ../docs, glob: "*.md" }
      - name: absolute
        directory: { path: /srv/handbook, glob: "*.md" }
)yaml"));
  const LoadResult result = Load((conf / "freshd.yaml").string());
  REQUIRE(Messages(result).empty());
  const Config& config = *result.config;
  CHECK(config.state_dir == (conf / "state").string());
  CHECK(config.rag_store.postgres_dsn == "host=127.0.0.1 dbname=rag");
  CHECK(config.workloads[0].sources[0].path == (dir.path() / "docs").string());
  CHECK(config.workloads[0].sources[1].path == "/srv/handbook");
}

TEST_CASE("Parse resolves relative paths against the current folder", "[config]") {
  const LoadResult result = Parse("state_dir: state\n" + std::string(kOneWorkload), "freshd.yaml");
  REQUIRE(Messages(result).empty());
  CHECK(result.config->state_dir == (std::filesystem::current_path() / "state").string());
}

TEST_CASE("a credential for a store kind that is not selected is not read", "[config]") {
  const std::string yaml = Yaml(R"yaml(
rag_store:
  kind: KIND
  postgres: { dsn_file: /nonexistent/freshd-test/pg_dsn }
)yaml") + std::string(kOneWorkload);
  const std::string embedded = std::string(yaml).replace(yaml.find("KIND"), 4, "embedded");
  CHECK(Messages(Parse(embedded, "test.yaml")).empty());

  const std::string postgres = std::string(yaml).replace(yaml.find("KIND"), 4, "postgres");
  CHECK(Messages(Parse(postgres, "test.yaml")) ==
        std::vector<std::string>{"test.yaml:3:25: cannot read rag_store.postgres.dsn from file "
                                 "'/nonexistent/freshd-test/pg_dsn': No such file or directory"});
}

TEST_CASE("the openai embedder reads its key and defaults its base URL", "[config]") {
  REQUIRE(setenv("FRESHD_CONFIG_TEST_OPENAI", "sk-test\n", 1) == 0);
  const LoadResult result = ParseWithWorkload(R"yaml(
embedder: { kind: openai, model: text-embedding-3-small, api_key_env: FRESHD_CONFIG_TEST_OPENAI }
)yaml");
  unsetenv("FRESHD_CONFIG_TEST_OPENAI");
  REQUIRE(Messages(result).empty());
  CHECK(result.config->embedder.kind == Embedder::Kind::kOpenAi);
  CHECK(result.config->embedder.api_key == "sk-test");
  CHECK(result.config->embedder.base_url == "https://api.openai.com/v1");
  CHECK(result.config->embedder.model == "text-embedding-3-small");
}

TEST_CASE("a valid configuration plus one workload has no errors", "[config]") {
  const LoadResult result =
      ParseYaml(std::string("listen: 127.0.0.1:9711\n") + std::string(kOneWorkload));
  CHECK(Messages(result).empty());
  REQUIRE(result.config.has_value());
  CHECK(result.config->workloads.size() == 1);
}

}  // namespace
}  // namespace freshd::config
