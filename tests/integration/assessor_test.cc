// The daemon's assessor on a real store: check histories in, recommendations out, and the
// hold of a recommendation kept across a restart.
#include "daemon/assessor.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

using freshd::daemon::AssessWorkloads;
using freshd::store::Observation;
using freshd::store::StateStore;
using freshd::testing::TempDir;

namespace {

constexpr double kDay = 86400;
constexpr double kStart = 1.7e9;  // Unix seconds, late 2023

std::unique_ptr<StateStore> Open(const TempDir& dir) {
  auto store = StateStore::Open(dir / "state", {});
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  return std::move(store).value();
}

// `per_day` checks a day for `days` from day `first_day`; the content changes every
// `change_every` days (0: never).
void Record(StateStore& store, const std::string& source, const std::string& uri, int days,
            int change_every, int per_day = 1, int first_day = 0) {
  for (int check = 0; check <= days * per_day; ++check) {
    const double day = first_day + static_cast<double>(check) / per_day;
    Observation observation;
    observation.kind = Observation::Kind::kFetched;
    observation.time_ms = static_cast<std::int64_t>((kStart + day * kDay) * 1000);
    const int version = change_every == 0 ? 0 : static_cast<int>(day) / change_every;
    observation.content_hash = std::string(31, '0') + std::to_string(version % 10);
    REQUIRE(store.Record({source, uri}, observation).ok());
  }
}

freshd::config::Config Configured(const std::string& strategy, const std::string& trained_at,
                                  const std::string& explainability = "required") {
  freshd::config::LoadResult loaded = freshd::config::Parse(
      "advisor: { hold_for: 24h }\nworkloads:\n  - name: w\n    strategy: " + strategy +
          "\n    latency_budget: 800ms\n    explainability: " + explainability + "\n" + trained_at +
          "    sources:\n      - name: pages\n        http: { url: \"http://127.0.0.1:1/\" }\n",
      "test.yaml");
  REQUIRE(loaded.config.has_value());
  return *loaded.config;
}

}  // namespace

TEST_CASE(
    "daily changes over a month make a fine-tuned workload's RAG recommendation, after the hold") {
  TempDir dir;
  auto store = Open(dir);
  for (int i = 0; i < 5; ++i) Record(*store, "pages", "http://x/" + std::to_string(i), 30, 1);
  const auto config = Configured("fine_tuning", "");
  const double now = kStart + 30 * kDay;

  auto first = AssessWorkloads(*store, config, now);
  const auto& view = first.at("w");
  CHECK(view.assessment.frequency == freshd::advisor::Frequency::kFast);
  CHECK(view.assessment.recommendation == freshd::advisor::Recommendation::kRag);
  CHECK(view.hysteresis.published == freshd::advisor::Recommendation::kUndecided);
  CHECK_FALSE(freshd::daemon::IsMismatch(view));

  // The hold is kept in the store: a restart does not start it again.
  store.reset();
  store = Open(dir);
  auto later = AssessWorkloads(*store, config, now + kDay + 1);
  CHECK(later.at("w").hysteresis.published == freshd::advisor::Recommendation::kRag);
  CHECK(freshd::daemon::IsMismatch(later.at("w")));
  CHECK(later.at("w").assessment.interval_upper_seconds < 30 * kDay);
}

TEST_CASE("documents changed since trained_at are counted") {
  TempDir dir;
  auto store = Open(dir);
  Record(*store, "pages", "http://x/changing", 40, 10);  // changes on days 10, 20, 30, 40
  Record(*store, "pages", "http://x/still", 40, 0);
  Record(*store, "pages", "http://x/late", 10, 0, 1, 30);  // first seen after training only
  // trained_at between day 25 and day 26 after kStart.
  const auto config = Configured("fine_tuning", "    trained_at: 2023-12-09\n");
  auto views = AssessWorkloads(*store, config, kStart + 40 * kDay);
  const auto& view = views.at("w");
  CHECK(view.has_training_date);
  CHECK(view.documents == 3);
  CHECK(view.changed_since_training == 1);
}

TEST_CASE("documents checked hourly and unchanged for ten months are stable: fine-tuning") {
  TempDir dir;
  auto store = Open(dir);
  // 7,200 checks each, far more than the 100 newest the advisor reads.
  for (int i = 0; i < 5; ++i) Record(*store, "pages", "http://x/" + std::to_string(i), 300, 0, 24);
  const auto config = Configured("rag", "", "optional");
  auto views = AssessWorkloads(*store, config, kStart + 300 * kDay);
  const auto& assessment = views.at("w").assessment;
  INFO(assessment.interval_lower_seconds / kDay << " days lower bound");
  CHECK(assessment.frequency == freshd::advisor::Frequency::kStable);
  CHECK(assessment.recommendation == freshd::advisor::Recommendation::kFineTuning);
  CHECK(assessment.interval_lower_seconds > 90 * kDay);
}
