#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "advisor/advisor.h"

namespace adv = freshd::advisor;

namespace {

constexpr double kDay = 86400;
constexpr double kStart = 1.7e9;

// A document checked every `interval` seconds, `checks` times after the first, where the
// checks listed in `changed_every` (every k-th check, 0 for none) saw a change.
adv::DocumentHistory Doc(std::string source, int checks, double interval, int changed_every) {
  adv::DocumentHistory h;
  h.source = std::move(source);
  h.first_check = kStart;
  for (int i = 1; i <= checks; ++i) {
    h.intervals.push_back({interval, changed_every > 0 && i % changed_every == 0});
  }
  h.last_check = kStart + checks * interval;
  return h;
}

adv::WorkloadInput Workload(std::vector<adv::DocumentHistory> documents) {
  adv::WorkloadInput w;
  w.documents = std::move(documents);
  return w;
}

bool AnyContains(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("pooling: 100 documents unchanged for a week bound the rate like one document") {
  std::vector<adv::DocumentHistory> many;
  for (int i = 0; i < 100; ++i) many.push_back(Doc("s", 7, kDay, 0));
  const auto one = adv::Assess(Workload({Doc("s", 7, kDay, 0)}), {});
  const auto hundred = adv::Assess(Workload(many), {});
  CHECK(hundred.rate.upper == Approx(one.rate.upper).epsilon(1e-12));
  CHECK(one.rate.upper == Approx(-std::log(0.05) / (7 * kDay)).epsilon(1e-9));
  CHECK(hundred.interval_lower_seconds == Approx(one.interval_lower_seconds).epsilon(1e-12));
  CHECK(hundred.rate.rate == 0);
  CHECK(std::isinf(hundred.interval_seconds));
  CHECK(std::isinf(hundred.interval_upper_seconds));
}

TEST_CASE("workload rate is the sum of document rates") {
  const auto a = Doc("a", 30, kDay, 3);
  const auto b = Doc("b", 30, kDay, 5);
  const auto assessment = adv::Assess(Workload({a, b}), {});
  const double sum = adv::EstimateDocument(a, 0.9).rate + adv::EstimateDocument(b, 0.9).rate;
  CHECK(assessment.rate.rate == Approx(sum).epsilon(1e-12));
  CHECK(assessment.interval_seconds == Approx(1 / sum).epsilon(1e-12));
  CHECK(assessment.rate.changes == 16);
  CHECK(assessment.rate.checks == 60);
  CHECK(assessment.rate.lower < assessment.rate.rate);
  CHECK(assessment.rate.upper > assessment.rate.rate);
}

TEST_CASE("pooled bounds are scaled by estimate / naive when polls miss changes") {
  // Every daily check saw a change: the naive rate is 1/day, the estimate ln(2n+1)/day.
  const auto assessment = adv::Assess(Workload({Doc("a", 20, kDay, 1)}), {});
  const double scale = std::log(41.0) / 1.0;
  CHECK(assessment.rate.upper ==
        Approx(adv::ChiSquareQuantile(0.95, 42) / (2 * 20 * kDay) * scale).epsilon(1e-9));
  CHECK(assessment.rate.lower < assessment.rate.rate);
}

TEST_CASE("no documents or no intervals: undecided, with what is missing") {
  const auto empty = adv::Assess(Workload({}), {});
  CHECK(empty.frequency == adv::Frequency::kUndecided);
  CHECK(empty.recommendation == adv::Recommendation::kUndecided);
  CHECK_FALSE(empty.missing.empty());
  const auto unchecked = adv::Assess(Workload({Doc("s", 0, kDay, 0)}), {});
  CHECK(unchecked.frequency == adv::Frequency::kUndecided);
  CHECK(AnyContains(unchecked.missing, "second successful check"));
}

TEST_CASE("a week without change is undecided and says how long to observe for 'stable'") {
  const auto a = adv::Assess(Workload({Doc("s", 7, kDay, 0)}), {});
  CHECK(a.frequency == adv::Frequency::kUndecided);
  // chi2_0.95(2) / 2 = -ln 0.05 = 2.9957: 269.6 d in all at 90 d, 262.6 d more.
  CHECK(AnyContains(a.missing, "262.6 d more"));
  CHECK(AnyContains(a.missing, "'fast'"));
}

TEST_CASE("classification on the boundaries") {
  const auto quiet = Workload({Doc("s", 30, kDay, 0)});
  const auto base = adv::Assess(quiet, {});
  const double lower = base.interval_lower_seconds;
  adv::Thresholds t;
  t.rag_if_changes_faster_than_seconds = 1;
  SECTION("stable needs the lower bound strictly above the threshold") {
    t.fine_tune_if_stable_for_seconds = lower * (1 - 1e-9);
    CHECK(adv::Assess(quiet, t).frequency == adv::Frequency::kStable);
    t.fine_tune_if_stable_for_seconds = lower;
    CHECK(adv::Assess(quiet, t).frequency == adv::Frequency::kUndecided);
  }
  const auto busy = Workload({Doc("s", 30, kDay, 3)});
  const auto b = adv::Assess(busy, {});
  SECTION("fast needs the upper bound strictly below the threshold") {
    t.fine_tune_if_stable_for_seconds = 1e12;
    t.rag_if_changes_faster_than_seconds = b.interval_upper_seconds * (1 + 1e-9);
    CHECK(adv::Assess(busy, t).frequency == adv::Frequency::kFast);
    t.rag_if_changes_faster_than_seconds = b.interval_upper_seconds;
    CHECK(adv::Assess(busy, t).frequency == adv::Frequency::kUndecided);
  }
  SECTION("moderate when the whole interval lies between the thresholds, bounds included") {
    t.rag_if_changes_faster_than_seconds = b.interval_lower_seconds;
    t.fine_tune_if_stable_for_seconds = b.interval_upper_seconds;
    CHECK(adv::Assess(busy, t).frequency == adv::Frequency::kModerate);
    t.rag_if_changes_faster_than_seconds = b.interval_lower_seconds * (1 + 1e-9);
    CHECK(adv::Assess(busy, t).frequency == adv::Frequency::kUndecided);
    t.rag_if_changes_faster_than_seconds = b.interval_lower_seconds;
    t.fine_tune_if_stable_for_seconds = b.interval_upper_seconds * (1 - 1e-9);
    CHECK(adv::Assess(busy, t).frequency == adv::Frequency::kUndecided);
  }
}

namespace {

// Workloads whose frequency is known under the default thresholds (30 d, 90 d, 90%).
adv::WorkloadInput Fast() { return Workload({Doc("news", 60, kDay, 2)}); }
adv::WorkloadInput Stable() { return Workload({Doc("codes", 400, kDay, 0)}); }

adv::Recommendation Decide(adv::WorkloadInput w, double latency, bool explain,
                           adv::Strategy strategy = adv::Strategy::kRag, adv::Thresholds t = {}) {
  w.latency_budget_seconds = latency;
  w.explainability_required = explain;
  w.strategy = strategy;
  return adv::Assess(w, t).recommendation;
}

}  // namespace

TEST_CASE("the test workloads have the frequencies they are named after") {
  CHECK(adv::Assess(Fast(), {}).frequency == adv::Frequency::kFast);
  CHECK(adv::Assess(Stable(), {}).frequency == adv::Frequency::kStable);
}

TEST_CASE("decision table: fast, latency not under the threshold -> rag") {
  CHECK(Decide(Fast(), 0.8, true) == adv::Recommendation::kRag);
  CHECK(Decide(Fast(), 0.8, false) == adv::Recommendation::kRag);
  CHECK(Decide(Fast(), 0, false) == adv::Recommendation::kRag);    // 0: no budget given
  CHECK(Decide(Fast(), 0.1, false) == adv::Recommendation::kRag);  // equal is not under
}

TEST_CASE("decision table: fast, latency under the threshold -> hybrid") {
  CHECK(Decide(Fast(), 0.05, true) == adv::Recommendation::kHybrid);
  CHECK(Decide(Fast(), 0.05, false) == adv::Recommendation::kHybrid);
}

TEST_CASE("decision table: stable, explainability not required -> fine_tuning") {
  CHECK(Decide(Stable(), 0.05, false) == adv::Recommendation::kFineTuning);
  CHECK(Decide(Stable(), 0.8, false) == adv::Recommendation::kFineTuning);
  CHECK(Decide(Stable(), 0, false) == adv::Recommendation::kFineTuning);
}

TEST_CASE("decision table: stable, latency not under, explainability required -> rag") {
  CHECK(Decide(Stable(), 0.8, true) == adv::Recommendation::kRag);
  CHECK(Decide(Stable(), 0, true) == adv::Recommendation::kRag);
}

TEST_CASE("decision table: stable, latency under, explainability required -> hybrid") {
  CHECK(Decide(Stable(), 0.05, true) == adv::Recommendation::kHybrid);
}

TEST_CASE("decision table: moderate -> the current strategy") {
  adv::Thresholds t;
  t.rag_if_changes_faster_than_seconds = 1;
  t.fine_tune_if_stable_for_seconds = 1e12;
  for (auto [strategy, expected] :
       {std::pair{adv::Strategy::kRag, adv::Recommendation::kRag},
        std::pair{adv::Strategy::kFineTuning, adv::Recommendation::kFineTuning},
        std::pair{adv::Strategy::kHybrid, adv::Recommendation::kHybrid}}) {
    CHECK(Decide(Fast(), 0.05, true, strategy, t) == expected);
    CHECK(Decide(Fast(), 0.8, false, strategy, t) == expected);
  }
}

TEST_CASE("decision table: undecided -> undecided") {
  const auto week = Workload({Doc("s", 7, kDay, 0)});
  CHECK(Decide(week, 0.05, true) == adv::Recommendation::kUndecided);
  CHECK(Decide(week, 0.8, false, adv::Strategy::kFineTuning) == adv::Recommendation::kUndecided);
}

TEST_CASE("reasons carry the numbers: estimate, bounds, thresholds, window, confidence") {
  auto w = Stable();
  w.explainability_required = true;
  w.latency_budget_seconds = 0.8;
  const auto a = adv::Assess(w, {});
  CHECK(AnyContains(a.reasons, "400.0 d"));       // observation
  CHECK(AnyContains(a.reasons, "90% interval"));  // confidence
  CHECK(AnyContains(a.reasons, "> fine_tune_if_stable_for 90.0 d"));
  CHECK(AnyContains(a.reasons, "latency budget 800 ms is not below"));
  CHECK(AnyContains(a.reasons, "explainability required"));
  CHECK(AnyContains(a.reasons, "recommendation: rag"));
  CHECK(a.missing.empty());
}

TEST_CASE("per-source split: fast sources on the RAG side, stable on the fine-tuning side") {
  auto w =
      Workload({Doc("news", 400, kDay, 2), Doc("codes", 400, kDay, 0), Doc("codes", 400, kDay, 0)});
  w.latency_budget_seconds = 0.05;
  const auto a = adv::Assess(w, {});
  REQUIRE(a.sources.size() == 2);
  CHECK(a.sources[0].source == "news");
  CHECK(a.sources[0].frequency == adv::Frequency::kFast);
  CHECK(a.sources[1].source == "codes");
  CHECK(a.sources[1].frequency == adv::Frequency::kStable);
  CHECK(a.sources[1].rate.checks == 800);
  CHECK(a.recommendation == adv::Recommendation::kHybrid);
  CHECK(AnyContains(a.reasons, "RAG side (fast): news; fine-tuning side (stable): codes"));
}
