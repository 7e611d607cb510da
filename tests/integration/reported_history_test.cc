// Reported history through the assessor on a real store: truthful old dates answer on day
// one, a date that stays old while the text changes never makes a workload stable, and a
// server stamping the current time gives no evidence.
#include <catch2/catch.hpp>
#include <string>

#include "daemon/assessor.h"
#include "tests/support/temp_dir.h"

using freshd::advisor::Frequency;
using freshd::advisor::Recommendation;
using freshd::daemon::AssessWorkloads;
using freshd::store::Observation;
using freshd::store::StateStore;
using freshd::testing::TempDir;

namespace {

constexpr double kHour = 3600;
constexpr double kDay = 86400;
constexpr double kStart = 1.7965e9;                  // December 2026, Unix seconds
constexpr std::int64_t kJune2024Ms = 1717200000000;  // the pages' Last-Modified
constexpr int kPages = 20;

std::unique_ptr<StateStore> Open(const TempDir& dir) {
  auto store = StateStore::Open(dir / "state", {});
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  return std::move(store).value();
}

std::int64_t Ms(double seconds) { return static_cast<std::int64_t>(seconds * 1000); }

// One check of page `page` at `time` with text version `version`, reporting `modified_ms`.
void Check(StateStore& store, int page, double time, int version, std::int64_t modified_ms) {
  Observation observation;
  observation.kind = Observation::Kind::kFetched;
  observation.time_ms = Ms(time);
  observation.content_hash = std::string(30, '0') + std::to_string(10 + version % 90);
  observation.modified_ms = modified_ms;
  REQUIRE(store.Record({"pages", "http://x/" + std::to_string(page)}, observation).ok());
}

freshd::config::Config Configured() {
  freshd::config::LoadResult loaded = freshd::config::Parse(
      "advisor: { hold_for: 24h }\nworkloads:\n  - name: w\n    strategy: rag\n"
      "    explainability: optional\n    sources:\n      - name: pages\n"
      "        http: { url: \"http://127.0.0.1:1/\" }\n",
      "test.yaml");
  REQUIRE(loaded.config.has_value());
  return *loaded.config;
}

bool AnyContains(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE(
    "pages unchanged since June 2024 are stable after two checks and published after "
    "hold_for") {
  TempDir dir;
  auto store = Open(dir);
  for (int page = 0; page < kPages; ++page) {
    Check(*store, page, kStart, 0, kJune2024Ms);
    Check(*store, page, kStart + 15 * 60, 0, kJune2024Ms);
  }
  const auto config = Configured();
  auto views = AssessWorkloads(*store, config, kStart + 15 * 60);
  const auto& view = views.at("w");
  INFO(view.assessment.interval_lower_seconds / kDay << " days lower bound");
  CHECK(view.assessment.frequency == Frequency::kStable);
  CHECK(view.assessment.recommendation == Recommendation::kFineTuning);
  CHECK(view.hysteresis.published == Recommendation::kUndecided);  // held first
  REQUIRE(view.assessment.sources.size() == 1);
  CHECK(view.assessment.sources[0].history_trusted);
  CHECK(AnyContains(view.assessment.reasons, "(last_modified x20)"));
  CHECK(view.assessment.missing.empty());

  Check(*store, 0, kStart + kDay + 15 * 60, 0, kJune2024Ms);
  auto later = AssessWorkloads(*store, config, kStart + kDay + 15 * 60);
  CHECK(later.at("w").hysteresis.published == Recommendation::kFineTuning);
}

TEST_CASE("a date that stays old while the text changes is never published as stable") {
  TempDir dir;
  auto store = Open(dir);
  const auto config = Configured();
  bool stable_before_the_first_change = false;
  for (int hour = 0; hour <= 72; ++hour) {
    const double now = kStart + hour * kHour;
    for (int page = 0; page < kPages; ++page) Check(*store, page, now, hour / 6, kJune2024Ms);
    auto views = AssessWorkloads(*store, config, now);
    const auto& view = views.at("w");
    INFO("hour " << hour);
    CHECK(view.hysteresis.published != Recommendation::kFineTuning);
    if (hour < 6) {
      stable_before_the_first_change |= view.assessment.frequency == Frequency::kStable;
    } else {
      CHECK(view.assessment.frequency != Frequency::kStable);
      CHECK_FALSE(view.assessment.sources.at(0).history_trusted);
      CHECK(AnyContains(view.assessment.reasons, "reported dates not used: dates stay old"));
    }
  }
  // The lie was believed for the first hours: only the hold kept it from publication.
  CHECK(stable_before_the_first_change);
}

TEST_CASE("dates stamped with the current time give no evidence") {
  TempDir dir;
  auto store = Open(dir);
  for (int page = 0; page < kPages; ++page) {
    for (int check = 0; check < 3; ++check) {
      const double time = kStart + check * kHour;
      Check(*store, page, time, 0, Ms(time));
    }
  }
  auto views = AssessWorkloads(*store, Configured(), kStart + 2 * kHour);
  const auto& assessment = views.at("w").assessment;
  CHECK(assessment.frequency == Frequency::kUndecided);
  CHECK(assessment.rate.method == "pooled");
  CHECK(assessment.rate.reported_seconds == 0);
  CHECK_FALSE(assessment.sources.at(0).history_trusted);
  CHECK(AnyContains(assessment.reasons, "reported dates not used: dates move while the text"));
}

TEST_CASE(
    "a source caught with a stale date stays untrusted after the evidence leaves the "
    "checks read") {
  TempDir dir;
  auto store = Open(dir);
  const auto config = Configured();
  const auto check_all = [&](int minute) {
    const double now = kStart + minute * 60;
    for (int page = 0; page < kPages; ++page) {
      Check(*store, page, now, minute >= 10 ? 1 : 0, kJune2024Ms);
    }
    return AssessWorkloads(*store, config, now);
  };
  for (int minute = 0; minute < 10; ++minute) check_all(minute);
  CHECK(check_all(10).at("w").assessment.sources.at(0).history_trusted == false);
  // 300 unchanged checks later, the stale comparison is beyond the newest 100 checks read.
  for (int minute = 11; minute < 310; ++minute) check_all(minute);
  auto views = check_all(310);
  const auto& view = views.at("w");
  CHECK_FALSE(view.assessment.sources.at(0).history_trusted);
  CHECK(view.assessment.frequency != Frequency::kStable);
  CHECK(view.hysteresis.published != Recommendation::kFineTuning);
  CHECK(AnyContains(view.assessment.reasons, "caught disagreeing before"));
}
