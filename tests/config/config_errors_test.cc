// Invalid configurations: every error, with its FILE:LINE:COL, in file order.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "tests/config/config_test_util.h"
#include "tests/support/temp_dir.h"

namespace freshd::config {
namespace {

using testing::kOneWorkload;
using testing::Messages;
using testing::ParseWithWorkload;
using testing::ParseYaml;
using testing::Yaml;
using Lines = std::vector<std::string>;

TEST_CASE("unknown keys are reported at the key, at every level", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
stat_dir: /var/lib/freshd
defaults:
  interval: 15m
  intervall: 15m
workloads:
  - name: w
    strategy: rag
    sources:
      - name: s
        http: { url: "https://example.com/", method: GET }
)yaml");
  CHECK_FALSE(result.config.has_value());
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:1:1: unknown key 'stat_dir' in the configuration (did you mean "
            "'state_dir'?)",
            "test.yaml:4:3: unknown key 'intervall' in defaults (did you mean 'interval'?)",
            "test.yaml:10:46: unknown key 'method' in 'http' of source 's'",
        });
}

TEST_CASE("api: an unknown key and a value other than true or false are errors",
          "[config][errors]") {
  const LoadResult result = ParseWithWorkload(R"yaml(
api:
  enable_lifecycle: yes
  enable_lifecyle: true
)yaml");
  CHECK_FALSE(result.config.has_value());
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:2:21: 'enable_lifecycle' must be true or false, not 'yes'",
            "test.yaml:3:3: unknown key 'enable_lifecyle' in api (did you mean "
            "'enable_lifecycle'?)",
        });
  CHECK(Messages(ParseWithWorkload("api: [enable_lifecycle]\n")) ==
        Lines{"test.yaml:1:6: 'api' must be a map, not a list"});
}

TEST_CASE("a value of the wrong type is reported at the value", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
defaults:
  timeout: abc
  max_bytes: 10 MB
  headers: [Authorization]
rag_store: embedded
workloads:
  - name: w
    strategy: rag
    sources: refund-policy
)yaml");
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:2:12: 'timeout' must be a duration such as 500ms, 30s or 1h30m, not 'abc'",
            "test.yaml:3:14: 'max_bytes' must be a size such as 512KiB or 10MiB, not '10 MB'",
            "test.yaml:4:12: 'headers' must be a map, not a list",
            "test.yaml:5:12: 'rag_store' must be a map, not a string",
            "test.yaml:9:14: 'sources' must be a list, not a string",
        });
}

TEST_CASE("a missing required key is reported at the enclosing map", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
workloads:
  - name: w
    sources:
      - name: s
        select: { css: main }
      - http: {}
  - strategy: rag
    sources:
      - name: t
        directory: { path: /srv }
)yaml");
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:2:5: workload 'w' needs 'strategy'",
            "test.yaml:4:9: source 's' needs one of 'http', 'sitemap', 'feed', 'directory' or 'git'",
            "test.yaml:6:9: source needs 'name'",
            "test.yaml:6:15: 'http' of source needs 'url'",
            "test.yaml:7:5: workload needs 'name'",
            "test.yaml:10:20: 'directory' of source 't' needs 'glob'",
        });
}

TEST_CASE("a duplicate workload name is reported at the second one", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
workloads:
  - name: a
    strategy: rag
    sources:
      - name: s1
        http: { url: "https://example.com/1" }
  - name: a
    strategy: rag
    sources:
      - name: s2
        http: { url: "https://example.com/2" }
)yaml");
  CHECK(Messages(result) == Lines{"test.yaml:7:11: duplicate workload name 'a' (first at line 2)"});
}

TEST_CASE("source names are unique across all workloads", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
workloads:
  - name: a
    strategy: rag
    sources:
      - name: shared
        http: { url: "https://example.com/1" }
  - name: b
    strategy: rag
    sources:
      - name: shared
        http: { url: "https://example.com/2" }
)yaml");
  CHECK(Messages(result) ==
        Lines{"test.yaml:10:15: duplicate source name 'shared' (first at line 5)"});
}

TEST_CASE("duplicate keys in one map are errors", "[config][errors]") {
  const LoadResult result = ParseWithWorkload(R"yaml(
defaults:
  timeout: 10s
  timeout: 20s
)yaml");
  CHECK(Messages(result) == Lines{"test.yaml:3:3: duplicate key 'timeout' (first at line 2)"});
}

TEST_CASE("an invalid regex is reported at its string with pcre2's message", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
workloads:
  - name: w
    strategy: rag
    sources:
      - name: s
        http: { url: "https://example.com/" }
        ignore: ["Last updated: .*", "(unclosed"]
      - name: t
        sitemap: { url: "https://example.com/sitemap.xml", include: "*.html" }
)yaml");
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:7:38: item 2 of 'ignore' is not a valid regex: missing closing "
            "parenthesis at offset 9",
            "test.yaml:9:69: 'include' is not a valid regex: quantifier does not follow a "
            "repeatable item at offset 0",
        });
}

TEST_CASE("a value outside an enum lists the allowed ones", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
log: { level: loud }
workloads:
  - name: w
    strategy: rgg
    explainability: sometimes
    sources:
      - name: s
        http: { url: "https://example.com/" }
)yaml");
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:1:15: 'level' must be trace, debug, info, warn or error, not 'loud'",
            "test.yaml:4:15: 'strategy' must be rag, fine_tuning or hybrid, not 'rgg'",
            "test.yaml:5:21: 'explainability' must be required or optional, not 'sometimes'",
        });
}

TEST_CASE("a YAML syntax error is one error at its position", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
listen: 127.0.0.1:9711
log: level: info
)yaml");
  CHECK_FALSE(result.config.has_value());
  CHECK(Messages(result) == Lines{"test.yaml:2:11: illegal map value"});
}

TEST_CASE("several errors are all reported, in file order", "[config][errors]") {
  // The sections are validated top-down in a fixed order, not in the order of the file.
  const LoadResult result = ParseYaml(R"yaml(
workloads:
  - name: w
    strategy: rgg
    sources:
      - name: s
        http: { url: "ftp://example.com/" }
defaults:
  timeout: 0s
log: { format: xml }
)yaml");
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:3:15: 'strategy' must be rag, fine_tuning or hybrid, not 'rgg'",
            "test.yaml:6:22: 'url' must be an http:// or https:// URL with a host, not "
            "'ftp://example.com/'",
            "test.yaml:8:12: 'timeout' must be longer than 0s",
            "test.yaml:9:16: 'format' must be text or json, not 'xml'",
        });
}

TEST_CASE("numbers, durations, dates and ports are checked against their ranges",
          "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
listen: 127.0.0.1:0
chunking: { max_chars: 99, overlap_chars: -1 }
embedder: { dims: 4 }
advisor: { confidence: 1, hold_for: 0s }
defaults: { host_concurrency: 65, max_bytes: 0 }
workloads:
  - name: w
    strategy: fine_tuning
    trained_at: 2026-02-30
    latency_budget: 0ms
    sources:
      - name: s
        http: { url: "https://example.com/" }
        interval: 0s
        host_concurrency: 2
)yaml");
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:1:9: 'listen' must be HOST:PORT such as 127.0.0.1:9711 or [::1]:9711 and "
            "needs a port between 1 and 65535, not '127.0.0.1:0'",
            "test.yaml:2:24: 'max_chars' must be between 100 and 1000000, not 99",
            "test.yaml:2:43: 'overlap_chars' must be between 0 and 1000000, not -1",
            "test.yaml:3:19: 'dims' must be between 8 and 8192, not 4",
            "test.yaml:4:24: 'confidence' must be greater than 0 and less than 1, not 1",
            "test.yaml:4:37: 'hold_for' must be longer than 0s",
            "test.yaml:5:31: 'host_concurrency' must be between 1 and 64, not 65",
            "test.yaml:5:46: 'max_bytes' must be greater than 0",
            "test.yaml:9:17: 'trained_at' must be a date such as 2026-09-01, not '2026-02-30'",
            "test.yaml:10:21: 'latency_budget' must be longer than 0s",
            "test.yaml:14:19: 'interval' must be longer than 0s",
            "test.yaml:15:9: 'host_concurrency' is allowed only in defaults, not in source 's'",
        });
}

TEST_CASE("the store, embedder, advisor and interval settings are checked", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
rag_store:
  kind: webhook
  postgres: { dsn_file: a, dsn_env: B }
embedder: { kind: openai }
advisor: { rag_if_changes_faster_than: 100d }
defaults: { interval: soon }
workloads: [{ name: w, strategy: rag, sources: [{ name: s, http: { url: "https://a.example/" } }] }]
)yaml");
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:2:9: rag_store kind 'webhook' needs 'webhook'",
            "test.yaml:3:37: rag_store.postgres takes 'dsn_file' or 'dsn_env', not both",
            "test.yaml:4:19: embedder kind 'openai' needs 'model'",
            "test.yaml:5:40: 'rag_if_changes_faster_than' (100d) must not be longer than "
            "'fine_tune_if_stable_for' (90d)",
            "test.yaml:6:23: 'interval' must be a duration such as 500ms, 30s or 1h30m, not 'soon'",
        });
}

TEST_CASE("listen rejects what is not HOST:PORT", "[config][errors]") {
  for (const char* listen : {"127.0.0.1", "127.0.0.1:65536", "127.0.0.1:http", ":9711", "::1:9711",
                             "\"[::1]9711\"", "\"[nope]:9711\""}) {
    INFO("listen: " << listen);
    const LoadResult result = ParseWithWorkload(std::string("listen: ") + listen + "\n");
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].where.line == 1);
    CHECK(result.errors[0].where.column == 9);
    CHECK_THAT(result.errors[0].message, Catch::StartsWith("'listen' must be HOST:PORT"));
  }
}

TEST_CASE("a source takes one kind, a URL over http(s) and one selector", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
workloads:
  - name: w
    strategy: rag
    sources:
      - name: a
        http: { url: "ftp://example.com/" }
        select: { xpath: "//main", css: "main" }
      - name: b
        feed: { url: "https:///feed" }
        select: {}
      - name: c
        http: { url: "https://example.com/" }
        directory: { path: /srv, glob: "*" }
)yaml");
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:6:22: 'url' must be an http:// or https:// URL with a host, not "
            "'ftp://example.com/'",
            "test.yaml:7:41: 'select' takes 'xpath' or 'css', not both",
            "test.yaml:9:22: 'url' must be an http:// or https:// URL with a host, not "
            "'https:///feed'",
            "test.yaml:10:17: 'select' needs 'xpath', 'css', 'pages' or 'heading'",
            "test.yaml:13:9: source 'c' has both 'http' and 'directory': give only one",
        });
}

TEST_CASE("a missing credential file is reported with the file's name", "[config][errors]") {
  freshd::testing::TempDir dir;
  freshd::testing::WriteFile(dir.path() / "freshd.yaml", Yaml(R"yaml(
defaults:
  headers:
    Authorization: { file: missing-token }
)yaml") + std::string(kOneWorkload));
  const LoadResult result = Load(dir / "freshd.yaml");
  CHECK(Messages(result) ==
        Lines{(dir / "freshd.yaml") + ":3:28: cannot read header 'Authorization' from file '" +
              (dir / "missing-token") + "': No such file or directory"});
}

TEST_CASE("a missing environment variable is reported with its name", "[config][errors]") {
  unsetenv("FRESHD_CONFIG_TEST_UNSET");
  const LoadResult result = ParseWithWorkload(R"yaml(
defaults:
  headers:
    X-Api-Key: { env: FRESHD_CONFIG_TEST_UNSET }
)yaml");
  CHECK(Messages(result) ==
        Lines{"test.yaml:3:23: cannot read header 'X-Api-Key' from environment variable "
              "'FRESHD_CONFIG_TEST_UNSET': it is not set"});
}

TEST_CASE("secret values never appear in error messages", "[config][errors]") {
  freshd::testing::TempDir dir;
  freshd::testing::WriteFile(dir.path() / "two-lines", "alpha-value\nbeta-value\n");
  freshd::testing::WriteFile(dir.path() / "freshd.yaml", Yaml(R"yaml(
defaults:
  headers:
    Authorization: { file: two-lines }
    X-Inline: "Bearer gamma-value\r\nInjected: yes"
)yaml") + std::string(kOneWorkload));
  const LoadResult result = Load(dir / "freshd.yaml");
  CHECK(Messages(result) ==
        Lines{
            (dir / "freshd.yaml") + ":3:28: header 'Authorization' from file '" +
                (dir / "two-lines") + "' holds more than one line",
            (dir / "freshd.yaml") + ":4:15: header 'X-Inline' must be one line",
        });
  for (const std::string& message : Messages(result)) {
    CHECK(message.find("value") == std::string::npos);
  }
}

TEST_CASE("a URL's password never appears in an error message", "[config][errors]") {
  const LoadResult result = ParseYaml(R"yaml(
workloads:
  - name: w
    strategy: rag
    sources:
      - name: a
        http: { url: "ftp://user:SECRET@example.com/" }
      - name: b
        http: { url: "https://user:SECRET@/page" }
)yaml");
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:6:22: 'url' must be an http:// or https:// URL with a host, not "
            "'ftp://example.com/'",
            "test.yaml:8:22: 'url' must be an http:// or https:// URL with a host, not "
            "'https:///page'",
        });
}

TEST_CASE("a root that is not a map is an error", "[config][errors]") {
  CHECK(Messages(ParseYaml("- a\n- b\n")) ==
        Lines{"test.yaml:1:1: the configuration must be a map, not a list"});
}

TEST_CASE("Load reports a file it cannot read", "[config][errors]") {
  CHECK(Messages(Load("/nonexistent/freshd-test.yaml")) ==
        Lines{"/nonexistent/freshd-test.yaml: cannot read: No such file or directory"});
}

TEST_CASE("no exception escapes Parse on malformed input", "[config][errors]") {
  for (const char* text : {"{", "[[[[", "a: *undefined", "? [a]\n: b\n", "a: !!binary ~~~", "\t- x",
                           "a: 'unterminated"}) {
    INFO("text: " << text);
    LoadResult result;
    CHECK_NOTHROW(result = Parse(text, "test.yaml"));
    CHECK_FALSE(result.errors.empty());
    CHECK_FALSE(result.config.has_value());
  }
}

TEST_CASE("the RAG settings: listing guard, reconciliation, chroma needs vectors",
          "[config][errors]") {
  const LoadResult good = ParseYaml(R"yaml(
defaults: { max_listing_drop: 0.25 }
rag_store:
  kind: webhook
  reconcile_every: 6h
  webhook: { url: "http://127.0.0.1:9000/ingest", headers: { X-Token: abc } }
workloads:
  - name: w
    strategy: rag
    sources:
      - { name: a, sitemap: { url: "https://example.com/sitemap.xml" }, max_listing_drop: 0.9 }
      - { name: b, feed: { url: "https://example.com/feed.xml" } }
)yaml");
  INFO(Messages(good).size());
  REQUIRE(good.config.has_value());
  const Config& config = *good.config;
  CHECK(config.rag_store.reconcile_every == std::chrono::hours(6));
  REQUIRE(config.rag_store.webhook_headers.size() == 1);
  CHECK(config.rag_store.webhook_headers[0].value == "abc");
  CHECK(config.workloads[0].sources[0].fetch.max_listing_drop == 0.9);
  CHECK(config.workloads[0].sources[1].fetch.max_listing_drop == 0.25);

  const LoadResult bad = ParseYaml(R"yaml(
defaults: { max_listing_drop: 1.5 }
rag_store: { kind: chroma }
embedder: { kind: none }
workloads: []
)yaml");
  CHECK(Messages(bad) ==
        Lines{
            "test.yaml:1:31: 'max_listing_drop' must be greater than 0 and less than 1, not 1.5",
            "test.yaml:3:11: rag_store kind 'chroma' needs vectors: embedder kind 'none' sends "
            "none (use 'hashing' or 'openai')",
            "test.yaml:4:12: no workloads: freshd would watch nothing; add at least one workload "
            "with its sources under 'workloads'",
        });
}

TEST_CASE("a file without workloads is an error: a reload to it would empty the RAG store",
          "[config][errors]") {
  const Lines expected = {
      "test.yaml:1:1: no workloads: freshd would watch nothing; add at least one workload with "
      "its sources under 'workloads'"};
  CHECK(Messages(Parse("", "test.yaml")) == expected);
  CHECK(Messages(Parse("\n\n", "test.yaml")) == expected);
  CHECK(Messages(Parse("listen: 127.0.0.1:9711\n", "test.yaml")) == expected);
  CHECK(Messages(ParseYaml("workloads:\n")) ==
        Lines{"test.yaml:1:1: no workloads: freshd would watch nothing; add at least one workload "
              "with its sources under 'workloads'"});
}

TEST_CASE("rag_store.removed_source_grace and a sitemap's max_child_sitemaps are read",
          "[config]") {
  const std::string good = Yaml(R"yaml(
rag_store: { removed_source_grace: 2h }
workloads:
  - name: w
    strategy: rag
    sources:
      - { name: a, sitemap: { url: "https://a.example/s.xml", max_child_sitemaps: 20 } }
      - { name: b, sitemap: { url: "https://a.example/t.xml" } }
)yaml");
  const std::string bad = Yaml(R"yaml(
      - { name: c, feed: { url: "https://a.example/f.xml", max_child_sitemaps: 2 } }
      - { name: d, sitemap: { url: "https://a.example/u.xml", max_child_sitemaps: 0 } }
)yaml");
  CHECK(Messages(Parse(good + bad, "test.yaml")) ==
        Lines{"test.yaml:8:60: unknown key 'max_child_sitemaps' in 'feed' of source 'c'",
              "test.yaml:9:83: 'max_child_sitemaps' must be between 1 and 50000, not 0"});
  const LoadResult result = Parse(good, "test.yaml");
  REQUIRE(result.config.has_value());
  CHECK(result.config->rag_store.removed_source_grace == std::chrono::hours(2));
  CHECK(result.config->workloads[0].sources[0].max_child_sitemaps == 20);
  CHECK(result.config->workloads[0].sources[1].max_child_sitemaps == 1000);
}

TEST_CASE("control bytes from the file are escaped in messages, and a NUL is placed where it is",
          "[config][errors]") {
  const Lines messages = Messages(ParseWithWorkload("defaults:\n  \"\\e[31mred\\a\": 1\n"));
  REQUIRE(messages.size() == 1);
  CHECK(messages[0] == "test.yaml:2:3: unknown key '\\x1b[31mred\\x07' in defaults");

  CHECK(Messages(Parse(std::string("listen: \0\n", 11), "test.yaml")) ==
        Lines{"test.yaml:1:9: a NUL byte: a configuration file is text (is this the right file?)"});
  CHECK(Messages(Parse(std::string("a: 1\nbb\0", 8), "test.yaml")) ==
        Lines{"test.yaml:2:3: a NUL byte: a configuration file is text (is this the right file?)"});
}

TEST_CASE("Load refuses devices, folders and files over 1 MiB with a clear message",
          "[config][errors]") {
  freshd::testing::TempDir dir;
  CHECK(Messages(Load("/dev/zero")) == Lines{"/dev/zero: cannot read: not a regular file"});
  CHECK(Messages(Load(dir.path().string())) ==
        Lines{dir.path().string() + ": cannot read: not a regular file"});
  const std::string big = dir / "big.yaml";
  freshd::testing::WriteFile(big, std::string(kOneWorkload) + "#" + std::string(1 << 20, 'x'));
  CHECK(Messages(Load(big)) == Lines{big + ": cannot read: larger than 1048576 bytes"});
}

}  // namespace
}  // namespace freshd::config
