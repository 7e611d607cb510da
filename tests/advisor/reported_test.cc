// Reported history (a document unchanged since a date, reported change times) in the
// estimates and the workload's pooled bounds.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "advisor/advisor.h"
#include "advisor/history.h"

namespace adv = freshd::advisor;

namespace {

constexpr double kDay = 86400;
constexpr double kStart = 1.8e9;  // the first check, Unix seconds (2027)
constexpr double kJune2024 = 1717200000;

// Checked twice, `gap` seconds apart, without a change; unchanged since `since` (0: none).
adv::DocumentHistory Doc(double since, double gap = 900, std::string source = "pages") {
  adv::DocumentHistory h;
  h.source = std::move(source);
  h.first_check = kStart;
  h.intervals.push_back({gap, false});
  h.last_check = kStart + gap;
  h.reported_since = since;
  if (since > 0) h.reported_by = "last_modified";
  return h;
}

adv::WorkloadInput Workload(std::vector<adv::DocumentHistory> documents) {
  adv::WorkloadInput w;
  w.name = "w";
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

TEST_CASE("reported exposure without a change bounds the rate like observed time", "[reported]") {
  const adv::DocumentHistory doc = Doc(kStart - 100 * kDay, kDay);
  const adv::RateEstimate estimate = adv::EstimateDocument(doc, 0.9);
  CHECK(estimate.method == "irregular+reported");
  CHECK(estimate.rate == 0);
  CHECK(estimate.lower == 0);
  CHECK(estimate.reported_seconds == Approx(100 * kDay));
  CHECK(estimate.observed_seconds == Approx(kDay));
  // Garwood's upper bound for one change (the reported date, if it was an edit) in 101 d.
  CHECK(estimate.upper == Approx(4.743864518 / (101 * kDay)).epsilon(1e-9));
}

TEST_CASE("reported change times are exact events: Garwood over all the exposure", "[reported]") {
  adv::DocumentHistory doc = Doc(kStart - 100 * kDay, kDay);
  doc.reported_changes = {kStart - 60 * kDay, kStart - 20 * kDay, kStart + 5};  // last: outside
  const adv::RateEstimate estimate = adv::EstimateDocument(doc, 0.9);
  CHECK(estimate.reported_changes == 2);
  CHECK(estimate.rate == Approx(2 / (101 * kDay)));
  CHECK(estimate.lower > 0);
  CHECK(estimate.upper > estimate.rate);
}

TEST_CASE("with observed changes, reported exposure lowers the estimate and narrows it",
          "[reported]") {
  adv::DocumentHistory observed = Doc(0, kDay);
  observed.intervals = {{kDay, true}, {kDay, false}, {kDay, true}, {kDay, false}};
  observed.last_check = kStart + 4 * kDay;
  adv::DocumentHistory reported = observed;
  reported.reported_since = kStart - 30 * kDay;
  const adv::RateEstimate without = adv::EstimateDocument(observed, 0.9);
  const adv::RateEstimate with = adv::EstimateDocument(reported, 0.9);
  CHECK(with.method == "irregular+reported");
  CHECK(with.rate < without.rate);
  CHECK(with.lower < with.rate);
  CHECK(with.upper > with.rate);
  CHECK(with.upper < without.upper);
  CHECK(with.changes == 2);
}

TEST_CASE("a date at or after the first check is no reported history", "[reported]") {
  const adv::RateEstimate estimate = adv::EstimateDocument(Doc(kStart), 0.9);
  CHECK(estimate.method != "irregular+reported");
  CHECK(estimate.reported_seconds == 0);
}

TEST_CASE("HistoryFromChecks takes the date of the first check of the latest life", "[reported]") {
  const auto ms = [](double s) { return static_cast<std::int64_t>(s * 1000); };
  const std::vector<adv::CheckPoint> newest_first = {
      {ms(kStart + 20), adv::CheckKind::kUnchanged, ms(kStart - 5)},
      {ms(kStart + 10), adv::CheckKind::kNew, ms(kStart - 5)},
      {ms(kStart), adv::CheckKind::kRemoved, 0},
      {ms(kStart - 10), adv::CheckKind::kNew, ms(kJune2024)},
  };
  const adv::DocumentHistory history = adv::HistoryFromChecks("pages", newest_first);
  CHECK(history.first_check == kStart + 10);
  CHECK(history.reported_since == kStart - 5);
  const adv::DocumentHistory stamped = adv::HistoryFromChecks(
      "pages", {{ms(kStart + 10), adv::CheckKind::kUnchanged, ms(kStart + 10)},
                {ms(kStart), adv::CheckKind::kNew, ms(kStart)}});
  CHECK(stamped.reported_since == 0);
}

TEST_CASE("SummarizeDocument keeps the observed estimate and DropReported falls back to it",
          "[reported]") {
  const auto ms = [](double s) { return static_cast<std::int64_t>(s * 1000); };
  const std::vector<adv::CheckPoint> newest_first = {
      {ms(kStart + 900), adv::CheckKind::kUnchanged, ms(kJune2024)},
      {ms(kStart), adv::CheckKind::kNew, ms(kJune2024)},
  };
  const adv::DocumentTotals totals{.checks = 2,
                                   .errors = 0,
                                   .changes = 0,
                                   .first_seen_ms = ms(kStart),
                                   .last_check_ms = ms(kStart + 900)};
  adv::DocumentHistory summary = adv::SummarizeDocument("pages", newest_first, totals, 100, 0.9);
  REQUIRE(summary.estimate.has_value());
  REQUIRE(summary.observed_estimate.has_value());
  CHECK(summary.estimate->method == "irregular+reported");
  CHECK(summary.estimate->reported_seconds == Approx(kStart - kJune2024));
  CHECK(summary.observed_estimate->reported_seconds == 0);
  adv::DropReported(&summary);
  CHECK(summary.reported_since == 0);
  CHECK(summary.estimate->reported_seconds == 0);
  CHECK(summary.estimate->method == "regular");

  // Beyond the history limit, the reported window ends at the first check ever.
  const adv::DocumentTotals long_life{.checks = 500,
                                      .errors = 0,
                                      .changes = 0,
                                      .first_seen_ms = ms(kStart - 10 * kDay),
                                      .last_check_ms = ms(kStart + 900)};
  const adv::DocumentHistory lifetime =
      adv::SummarizeDocument("pages", newest_first, long_life, 100, 0.9);
  CHECK(lifetime.estimate->method == "lifetime+reported");
  CHECK(lifetime.estimate->checks == 499);
  CHECK(lifetime.estimate->reported_seconds == Approx(kStart - 10 * kDay - kJune2024));
}

TEST_CASE("twenty pages unchanged since June 2024 are stable after two checks", "[reported]") {
  std::vector<adv::DocumentHistory> pages(20, Doc(kJune2024));
  adv::WorkloadInput workload = Workload(pages);
  workload.trust = {{"pages", true, "dates agree"}};
  const adv::Assessment assessment = adv::Assess(workload, {});
  CHECK(assessment.frequency == adv::Frequency::kStable);
  CHECK(assessment.recommendation == adv::Recommendation::kFineTuning);
  CHECK(assessment.rate.method == "pooled+reported");
  CHECK(assessment.interval_lower_seconds > 90 * kDay);
  CHECK(assessment.missing.empty());
  CHECK(AnyContains(assessment.reasons,
                    "reported history used for 20 of 20 documents "
                    "(last_modified x20)"));
  CHECK(AnyContains(assessment.reasons, "source pages: reported dates trusted"));
  REQUIRE(assessment.sources.size() == 1);
  CHECK(assessment.sources[0].history_trusted);

  // The same pages without their dates (an untrusted source): nine months to go.
  for (auto& page : pages) page.reported_since = 0;
  const adv::Assessment observed = adv::Assess(Workload(pages), {});
  CHECK(observed.frequency == adv::Frequency::kUndecided);
  CHECK(AnyContains(observed.missing, "observe for at least 269.6 d more"));
  CHECK_FALSE(observed.sources[0].history_trusted);
}

TEST_CASE("the missing-data line counts the reported exposure", "[reported]") {
  // 30 days reported and 1 day observed per page, one date for all, no change: the upper
  // bound is the smallest of three at 1/60 each per tail. The quiet time of the workload,
  // 31 d + t without a change anywhere, gives -ln(1/60) / (31 d + t), which falls to
  // 1 / 90 d first, at t = 337.5 d (one change over 31 d + t, or none over 1 d + t, later).
  const adv::Assessment assessment = adv::Assess(
      Workload(std::vector<adv::DocumentHistory>(20, Doc(kStart - 30 * kDay, kDay))), {});
  CHECK(assessment.frequency == adv::Frequency::kUndecided);
  CHECK(AnyContains(assessment.missing, "observe for at least 337.5 d more"));
  CHECK(AnyContains(assessment.missing, "368.5 d in all, counting the reported history"));
}

TEST_CASE("reported history lends no time to a document watched for a day", "[reported]") {
  std::vector<adv::DocumentHistory> documents(19, Doc(kJune2024));
  adv::DocumentHistory young = Doc(0, kDay, "api");
  young.intervals = {{kDay, true}};  // changed on its first day
  documents.push_back(young);
  const adv::Assessment assessment = adv::Assess(Workload(documents), {});
  CHECK(assessment.frequency != adv::Frequency::kStable);
  CHECK(assessment.interval_lower_seconds < kDay);
  CHECK(AnyContains(assessment.reasons, "pooled apart"));
  // Alone, the nineteen are stable.
  documents.pop_back();
  CHECK(adv::Assess(Workload(documents), {}).frequency == adv::Frequency::kStable);
}

TEST_CASE("pages edited now and then, each on its own day, are not stable from their dates",
          "[reported]") {
  // Twenty pages, each edited about once a year, all on different days: the workload
  // changes every 18 days or so, although no page changed in the last few weeks.
  std::vector<adv::DocumentHistory> pages;
  for (int i = 0; i < 20; ++i) pages.push_back(Doc(kStart - (20 + 17 * i) * kDay));
  const adv::Assessment assessment = adv::Assess(Workload(pages), {});
  CHECK(assessment.frequency == adv::Frequency::kUndecided);
  CHECK(assessment.interval_lower_seconds < 30 * kDay);
  CHECK(AnyContains(assessment.reasons, "20 distinct dates"));
  // All dated the same day (one deployment), they are one change of the workload.
  for (auto& page : pages) page.reported_since = kStart - 600 * kDay;
  CHECK(adv::Assess(Workload(pages), {}).frequency == adv::Frequency::kStable);
}

TEST_CASE("a handbook written on many days two years ago is stable from its quiet time",
          "[reported]") {
  // Twenty files, each last written on its own day of a month two years ago: twenty dates
  // that might be edits, but no change anywhere in the workload for 700 days.
  std::vector<adv::DocumentHistory> files;
  for (int i = 0; i < 20; ++i) files.push_back(Doc(kStart - (700 + 1.5 * i) * kDay));
  const adv::Assessment assessment = adv::Assess(Workload(files), {});
  CHECK(assessment.frequency == adv::Frequency::kStable);
  CHECK(AnyContains(assessment.reasons, "no document reported or showed a change for the last"));
  // One file edited yesterday ends the quiet time: the dates alone cannot say stable.
  files[0].reported_since = kStart - kDay;
  CHECK(adv::Assess(Workload(files), {}).frequency != adv::Frequency::kStable);
}
