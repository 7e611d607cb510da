// `interval: adaptive` and its keys: budget, min_interval, max_interval, listing_interval.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "tests/config/config_test_util.h"
#include "tests/support/temp_dir.h"

namespace freshd::config {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Messages;
using testing::ParseYaml;
using testing::Yaml;
using Lines = std::vector<std::string>;

// One workload whose sources are the YAML lines given, after `defaults`.
LoadResult ParseSources(std::string_view defaults, std::string_view sources) {
  return ParseYaml(std::string(defaults) +
                   "workloads:\n  - name: w\n    strategy: rag\n    sources:\n" +
                   std::string(sources));
}

TEST_CASE("interval adaptive takes a budget and limits in defaults and per source", "[config]") {
  const LoadResult result = ParseSources(R"yaml(defaults:
  interval: adaptive
  budget: 400/m
  max_interval: 3d
)yaml",
                                         R"yaml(      - name: inherits
        sitemap: { url: "https://example.com/sitemap.xml" }
      - name: own
        http: { url: "https://example.com/a" }
        budget: 20/h
        min_interval: 10m
        listing_interval: 1h
      - name: fixed
        http: { url: "https://example.com/b" }
        interval: 30m
)yaml");
  REQUIRE(Messages(result).empty());
  const Config& config = *result.config;
  CHECK(config.defaults.adaptive);
  CHECK(config.defaults.budget == RequestBudget{400, minutes(1)});
  const auto& sources = config.workloads[0].sources;
  CHECK(sources[0].fetch.adaptive);
  CHECK(sources[0].fetch.budget == RequestBudget{400, minutes(1)});
  CHECK(sources[0].fetch.min_interval == minutes(1));
  CHECK(sources[0].fetch.max_interval == days(3));
  CHECK(sources[0].fetch.listing_interval == minutes(15));
  CHECK(sources[1].fetch.adaptive);
  CHECK(sources[1].fetch.budget == RequestBudget{20, hours(1)});
  CHECK(sources[1].fetch.min_interval == minutes(10));
  CHECK(sources[1].fetch.max_interval == days(3));
  CHECK(sources[1].fetch.listing_interval == hours(1));
  CHECK_FALSE(sources[2].fetch.adaptive);
  CHECK(sources[2].fetch.interval == minutes(30));
}

TEST_CASE("a fixed interval stays the default and a source may choose adaptive", "[config]") {
  const LoadResult result = ParseSources("defaults: { budget: 1000/d }\n",
                                         R"yaml(      - name: fixed
        http: { url: "https://example.com/a" }
      - name: adaptive
        http: { url: "https://example.com/b" }
        interval: adaptive
      - name: fast
        http: { url: "https://example.com/c" }
        interval: adaptive
        budget: 2/s
)yaml");
  REQUIRE(Messages(result).empty());
  const auto& sources = result.config->workloads[0].sources;
  CHECK_FALSE(sources[0].fetch.adaptive);
  CHECK(sources[0].fetch.interval == minutes(15));
  CHECK(sources[1].fetch.adaptive);
  CHECK(sources[1].fetch.budget == RequestBudget{1000, hours(24)});
  CHECK(sources[2].fetch.budget == RequestBudget{2, seconds(1)});
  CHECK(sources[0].fetch.min_interval == minutes(1));
  CHECK(sources[0].fetch.max_interval == days(7));
}

TEST_CASE("a budget is a positive count of requests per s m h or d", "[config][errors]") {
  for (const char* bad : {"400", "0/m", "-1/m", "+4/m", "4.5/m", "/m", "400/", "400/w", "400/min",
                          "400 /m", "1000001/s", "99999999999999999999/d", "[1, 2]"}) {
    INFO("budget: " << bad);
    const LoadResult result =
        ParseSources(std::string("defaults:\n  interval: adaptive\n  budget: ") + bad + "\n",
                     "      - { name: s, http: { url: \"https://example.com/\" } }\n");
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].where.line == 3);
    CHECK(result.errors[0].where.column == 11);
    CHECK_THAT(result.errors[0].message, Catch::StartsWith("'budget' must be"));
  }
  CHECK(Messages(ParseSources("defaults: { interval: adaptive, budget: 400/w }\n",
                              "      - { name: s, http: { url: \"https://a.example/\" } }\n")) ==
        Lines{"test.yaml:1:41: 'budget' must be a number of requests per s, m, h or d, such as "
              "400/m, not '400/w'"});
}

TEST_CASE("interval adaptive without a budget is refused where it is written", "[config][errors]") {
  CHECK(Messages(ParseSources("defaults: { interval: adaptive }\n",
                              "      - { name: s, http: { url: \"https://a.example/\" } }\n")) ==
        Lines{"test.yaml:1:23: 'interval: adaptive' needs a budget, such as 'budget: 400/m'"});
  CHECK(Messages(ParseSources("", R"yaml(      - name: s
        http: { url: "https://a.example/" }
        interval: adaptive
)yaml")) == Lines{"test.yaml:7:19: 'interval: adaptive' needs a budget, such as 'budget: 400/m'"});
}

TEST_CASE("min_interval longer than max_interval is refused", "[config][errors]") {
  CHECK(Messages(ParseSources("defaults: { max_interval: 30s }\n",
                              "      - { name: s, http: { url: \"https://a.example/\" } }\n")) ==
        Lines{"test.yaml:1:27: 'min_interval' (1m) must not be longer than 'max_interval' (30s)"});
  CHECK(Messages(
            ParseSources("defaults: { interval: adaptive, budget: 10/m }\n", R"yaml(      - name: s
        http: { url: "https://a.example/" }
        max_interval: 1h
        min_interval: 2h
)yaml")) == Lines{"test.yaml:9:23: 'min_interval' (2h) must not be longer than 'max_interval' "
                  "(1h)"});
}

TEST_CASE("a source polled at a fixed interval sets no adaptive key", "[config][errors]") {
  CHECK(Messages(
            ParseSources("defaults: { interval: adaptive, budget: 10/m }\n", R"yaml(      - name: s
        http: { url: "https://a.example/" }
        interval: 5m
        budget: 20/m
        listing_interval: 1h
)yaml")) == Lines{"test.yaml:9:9: 'budget' applies only to 'interval: adaptive'; source 's' "
                  "polls every 5m",
                  "test.yaml:10:9: 'listing_interval' applies only to 'interval: adaptive'; "
                  "source 's' polls every 5m"});
}

TEST_CASE("check-config accepts an adaptive configuration file", "[config]") {
  freshd::testing::TempDir dir;
  const std::string path = dir / "freshd.yaml";
  std::ofstream(path) << Yaml(R"yaml(
defaults:
  interval: adaptive
  budget: 400/m
  min_interval: 1m
  max_interval: 7d
  listing_interval: 15m
workloads:
  - name: support-policies
    strategy: rag
    sources:
      - name: policy-pages
        sitemap: { url: "https://example.com/sitemap.xml", include: "/policies/" }
      - name: refund-policy
        http: { url: "https://example.com/policies/refund" }
        interval: 1h
)yaml");
  const LoadResult result = Load(path);
  CHECK(Messages(result).empty());
  REQUIRE(result.config);
  CHECK(result.config->workloads[0].sources[0].fetch.adaptive);
}

}  // namespace
}  // namespace freshd::config
