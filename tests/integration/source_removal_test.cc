// Sources leaving the configuration: the reload guard and the grace before their chunks go.
#include "daemon/source_removal.h"

#include <catch2/catch.hpp>

namespace freshd::daemon {
namespace {

using Names = std::vector<std::string>;

config::Config WithSources(const Names& names, double max_drop = 0.5) {
  config::Config config;
  config.defaults.max_listing_drop = max_drop;
  config::Workload workload;
  for (const auto& name : names) {
    config::Source source;
    source.name = name;
    workload.sources.push_back(source);
  }
  config.workloads.push_back(workload);
  return config;
}

TEST_CASE("a reload that drops more than max_listing_drop of the documents is refused") {
  const std::map<std::string, std::int64_t> documents = {{"a", 40}, {"b", 30}, {"c", 30}};
  CHECK(RefuseSourceRemoval(documents, WithSources({"a", "b", "c"})).empty());
  CHECK(RefuseSourceRemoval(documents, WithSources({"a", "b", "new"})).empty());   // 30%
  CHECK(RefuseSourceRemoval(documents, WithSources({"b", "c"})).empty());          // 40%
  const std::string refused = RefuseSourceRemoval(documents, WithSources({"a"}));  // 60%
  CHECK(refused.find("60 of the 100 documents watched (b, c)") != std::string::npos);
  CHECK(refused.find("max_listing_drop 50%") != std::string::npos);
  // The new file's own max_listing_drop decides.
  CHECK(RefuseSourceRemoval(documents, WithSources({"a"}, 0.7)).empty());
  // Too few documents for a share to mean anything.
  CHECK(RefuseSourceRemoval({{"a", 1}, {"b", 2}}, WithSources({"a"})).empty());
}

TEST_CASE("the roster reads its old format, one name a line, as configured sources") {
  const SourceRoster roster = DecodeRoster("a\nb\n");
  CHECK(roster == SourceRoster{{"a", 0}, {"b", 0}});
  CHECK(DecodeRoster(EncodeRoster({{"a", 0}, {"gone", 1234}})) ==
        SourceRoster{{"a", 0}, {"gone", 1234}});
  CHECK(DecodeRoster("").empty());
}

TEST_CASE("a source that left keeps its chunks for the grace, and back in time loses nothing") {
  constexpr std::int64_t kGrace = 1000;
  RosterUpdate left = UpdateRoster({{"a", 0}, {"b", 0}}, {"a"}, 5000, kGrace);
  CHECK(left.left == Names{"b"});
  CHECK(left.expired.empty());
  CHECK(left.next == SourceRoster{{"a", 0}, {"b", 5000}});
  CHECK(left.next_expiry_ms == 6000);

  RosterUpdate during = UpdateRoster(left.next, {"a"}, 5999, kGrace);
  CHECK(during.left.empty());
  CHECK(during.expired.empty());
  CHECK(during.next_expiry_ms == 6000);

  RosterUpdate back = UpdateRoster(left.next, {"a", "b"}, 5500, kGrace);
  CHECK(back.returned == Names{"b"});
  CHECK(back.expired.empty());
  CHECK(back.next == SourceRoster{{"a", 0}, {"b", 0}});
  CHECK_FALSE(back.next_expiry_ms.has_value());

  RosterUpdate over = UpdateRoster(left.next, {"a"}, 6000, kGrace);
  CHECK(over.expired == Names{"b"});
  CHECK(over.next == SourceRoster{{"a", 0}});
  CHECK_FALSE(over.next_expiry_ms.has_value());
}

TEST_CASE("a source gone while freshd was stopped starts its grace at start-up") {
  RosterUpdate update = UpdateRoster({{"a", 0}, {"b", 0}, {"c", 100}}, {"a"}, 0, 50);
  CHECK(update.left == Names{"b"});
  CHECK(update.next.at("b") == 1);  // 0 would read as "configured"
  CHECK(update.expired.empty());    // c left at 100, the clock reads 0: not over
  CHECK(update.next_expiry_ms == 51);
}

}  // namespace
}  // namespace freshd::daemon
