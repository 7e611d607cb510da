// A workload's change rate, pooled bounds, frequency class and the reasons behind them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "advisor/advisor.h"
#include "advisor/internal.h"
#include "common/strings.h"

namespace freshd::advisor {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string Format(const char* format, auto... args) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, format, args...);
  return buffer;
}

double Inverse(double value) { return value > 0 ? 1 / value : kInfinity; }

using internal::Counted;
using internal::Group;
using internal::Pool;
using internal::Pooled;

Frequency Classify(const RateEstimate& rate, const Thresholds& thresholds) {
  if (!Counted(rate)) return Frequency::kUndecided;
  const double interval_lower = Inverse(rate.upper);
  const double interval_upper = Inverse(rate.lower);
  if (interval_upper < thresholds.rag_if_changes_faster_than_seconds) return Frequency::kFast;
  if (interval_lower > thresholds.fine_tune_if_stable_for_seconds) return Frequency::kStable;
  if (interval_lower >= thresholds.rag_if_changes_faster_than_seconds &&
      interval_upper <= thresholds.fine_tune_if_stable_for_seconds) {
    return Frequency::kModerate;
  }
  return Frequency::kUndecided;
}

// Smallest count whose Garwood lower bound, scaled, exceeds `rate` over `exposure`.
std::uint64_t ChangesNeeded(double rate, double exposure, double scale, double confidence) {
  const auto enough = [&](std::uint64_t k) {
    return internal::Garwood(k, exposure, confidence).lower * scale > rate;
  };
  std::uint64_t hi = 1;
  while (!enough(hi) && hi < (1ULL << 40)) hi *= 2;
  std::uint64_t lo = hi / 2;  // not enough (or 0)
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    (enough(mid) ? hi : lo) = mid;
  }
  return hi;
}

// Further observation of every document after which, with no further change, the pools'
// scaled Garwood upper bounds add up to `rate` (the upper bound falls as 1 / exposure).
double MoreTimeNeeded(double rate, const std::vector<Group>& groups, double confidence) {
  const auto upper = [&](double more) {
    double sum = 0;
    for (const Group& group : groups) sum += internal::GroupUpper(group, more, confidence);
    return sum;
  };
  if (upper(0) <= rate) return 0;
  double lo = 0;
  double hi = 1;
  while (upper(hi) > rate && hi < 1e15) hi *= 2;
  for (int i = 0; i < 100 && hi - lo > 1e-6 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (upper(mid) > rate ? lo : hi) = mid;
  }
  return hi;
}

std::string Join(const std::vector<std::string>& names) {
  return names.empty() ? "none" : strings::Join(names, ", ");
}

// Where the reported history came from and how much of the exposure it is, then each
// source's trust.
void AddReportedReasons(const WorkloadInput& workload, const std::vector<RateEstimate>& estimates,
                        const Pooled& pooled, std::vector<std::string>* reasons) {
  if (pooled.reported_documents > 0) {
    std::map<std::string, int> origins;
    for (std::size_t i = 0; i < estimates.size(); ++i) {
      if (estimates[i].reported_seconds <= 0) continue;
      const std::string& origin = workload.documents[i].reported_by;
      ++origins[origin.empty() ? std::string("reported") : origin];
    }
    std::string origin_list;
    for (const auto& [origin, count] : origins) {
      origin_list += Format("%s%s x%d", origin_list.empty() ? "" : ", ", origin.c_str(), count);
    }
    const RateEstimate& rate = pooled.rate;
    const double total = rate.observed_seconds + rate.reported_seconds;
    reasons->push_back(Format(
        "reported history used for %zu of %zu documents (%s): %s reported and %s observed per "
        "document on average (%.1f%% of the exposure reported), %llu reported changes; the "
        "upper bound also counts their %llu distinct dates (days) as changes",
        pooled.reported_documents, workload.documents.size(), origin_list.c_str(),
        internal::FormatDuration(rate.reported_seconds).c_str(),
        internal::FormatDuration(rate.observed_seconds).c_str(),
        total > 0 ? 100 * rate.reported_seconds / total : 0.0,
        static_cast<unsigned long long>(rate.reported_changes),
        static_cast<unsigned long long>(pooled.reported_dates)));
  }
  if (pooled.quiet_seconds > 0) {
    reasons->push_back(
        Format("no document reported or showed a change for the last %s: "
               "the upper bound is the smallest of the bounds with the "
               "reported dates, without them, and from that quiet time",
               internal::FormatDuration(pooled.quiet_seconds).c_str()));
  }
  for (const SourceTrust& trust : workload.trust) {
    reasons->push_back(Format("source %s: reported dates %s: %s", trust.source.c_str(),
                              trust.trusted ? "trusted" : "not used", trust.why.c_str()));
  }
}

}  // namespace

namespace internal {

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds)) return "unbounded";
  if (seconds < 1) return Format("%.0f ms", seconds * 1000);
  if (seconds < 120) return Format("%.0f s", seconds);
  if (seconds < 7200) return Format("%.1f min", seconds / 60);
  if (seconds < 172800) return Format("%.1f h", seconds / 3600);
  return Format("%.1f d", seconds / 86400);
}

}  // namespace internal

Assessment Assess(const WorkloadInput& workload, const Thresholds& thresholds) {
  using internal::FormatDuration;
  const double confidence = thresholds.confidence;
  const double rag = thresholds.rag_if_changes_faster_than_seconds;
  const double stable = thresholds.fine_tune_if_stable_for_seconds;
  const std::string level = Format("%g%%", confidence * 100);

  std::vector<RateEstimate> estimates;
  estimates.reserve(workload.documents.size());
  for (const DocumentHistory& document : workload.documents) {
    estimates.push_back(document.estimate ? *document.estimate
                                          : EstimateDocument(document, confidence));
  }
  std::vector<const RateEstimate*> all_estimates;
  std::vector<const DocumentHistory*> all_documents;
  std::vector<std::string> source_order;
  std::map<std::string,
           std::pair<std::vector<const RateEstimate*>, std::vector<const DocumentHistory*>>>
      by_source;
  std::map<std::string, int> methods;
  for (std::size_t i = 0; i < estimates.size(); ++i) {
    all_estimates.push_back(&estimates[i]);
    all_documents.push_back(&workload.documents[i]);
    const std::string& source = workload.documents[i].source;
    if (!by_source.count(source)) source_order.push_back(source);
    by_source[source].first.push_back(&estimates[i]);
    by_source[source].second.push_back(&workload.documents[i]);
    if (Counted(estimates[i])) ++methods[estimates[i].method];
  }

  Assessment assessment;
  const Pooled pooled = Pool(all_estimates, all_documents, confidence);
  assessment.rate = pooled.rate;
  assessment.interval_seconds = Inverse(pooled.rate.rate);
  assessment.interval_lower_seconds = Inverse(pooled.rate.upper);
  assessment.interval_upper_seconds = Inverse(pooled.rate.lower);
  assessment.frequency = Classify(pooled.rate, thresholds);
  for (const std::string& source : source_order) {
    const auto& [source_estimates, source_documents] = by_source[source];
    SourceSplit split;
    split.source = source;
    split.rate = Pool(source_estimates, source_documents, confidence).rate;
    split.frequency = Classify(split.rate, thresholds);
    for (const SourceTrust& trust : workload.trust) {
      if (trust.source == source) split.history_trusted = trust.trusted;
    }
    assessment.sources.push_back(split);
  }

  const bool latency_low =
      workload.latency_budget_seconds > 0 &&
      workload.latency_budget_seconds < thresholds.fine_tune_if_latency_below_seconds;
  assessment.recommendation = internal::Decide(assessment.frequency, workload.strategy, latency_low,
                                               workload.explainability_required);

  auto& reasons = assessment.reasons;
  auto& missing = assessment.missing;
  const RateEstimate& rate = pooled.rate;
  if (pooled.documents == 0) {
    // A check that failed does not count: a source checked six times, all failures (or all
    // but one), has no interval between two successful checks yet.
    reasons.push_back(
        Format("%zu documents, none with two successful checks at this assessment: no change "
               "interval",
               workload.documents.size()));
    missing.push_back(workload.documents.empty()
                          ? std::string("no documents: the workload's sources yielded none yet")
                          : std::string("a second successful check of at least one document"));
    reasons.push_back("undecided: no data");
    return assessment;
  }
  std::string method_list;
  for (const auto& [method, count] : methods) {
    method_list += Format("%s%s x%d", method_list.empty() ? "" : ", ", method.c_str(), count);
  }
  reasons.push_back(Format(
      "observed %zu of %zu documents: %llu checks, %llu changes detected, %s of observation "
      "per document on average (window %s)",
      pooled.documents, workload.documents.size(), static_cast<unsigned long long>(rate.checks),
      static_cast<unsigned long long>(rate.changes), FormatDuration(rate.observed_seconds).c_str(),
      FormatDuration(pooled.window_seconds).c_str()));
  AddReportedReasons(workload, estimates, pooled, &reasons);
  reasons.push_back(Format("change rate %.3g/s, the sum of the documents' estimates (%s)",
                           rate.rate, method_list.c_str()));
  const std::uint64_t pooled_changes = rate.changes + rate.reported_changes;
  const double exposure = rate.observed_seconds + rate.reported_seconds;
  reasons.push_back(Format(
      "change interval %s, %s interval [%s, %s] from %llu pooled changes%s over %s (Garwood%s)%s",
      FormatDuration(assessment.interval_seconds).c_str(), level.c_str(),
      FormatDuration(assessment.interval_lower_seconds).c_str(),
      FormatDuration(assessment.interval_upper_seconds).c_str(),
      static_cast<unsigned long long>(pooled_changes),
      pooled.reported_dates > 0
          ? Format(" (%llu for the upper bound)",
                   static_cast<unsigned long long>(pooled_changes + pooled.reported_dates))
                .c_str()
          : "",
      FormatDuration(exposure).c_str(),
      pooled.groups.size() > 1 ? "; documents with and without reported history pooled apart, "
                                 "their bounds added"
                               : "",
      pooled.scale > 1 ? Format(", scaled x%.3f to the estimate (changes missed between checks, "
                                "unequal observation times)",
                                pooled.scale)
                             .c_str()
                       : ""));

  const std::string lower = FormatDuration(assessment.interval_lower_seconds);
  const std::string upper = FormatDuration(assessment.interval_upper_seconds);
  const std::string rag_text = FormatDuration(rag);
  const std::string stable_text = FormatDuration(stable);
  switch (assessment.frequency) {
    case Frequency::kFast:
      reasons.push_back(Format("fast: upper bound %s < rag_if_changes_faster_than %s",
                               upper.c_str(), rag_text.c_str()));
      break;
    case Frequency::kStable:
      reasons.push_back(Format("stable: lower bound %s > fine_tune_if_stable_for %s", lower.c_str(),
                               stable_text.c_str()));
      break;
    case Frequency::kModerate:
      reasons.push_back(
          Format("moderate: [%s, %s] lies between rag_if_changes_faster_than %s "
                 "and fine_tune_if_stable_for %s",
                 lower.c_str(), upper.c_str(), rag_text.c_str(), stable_text.c_str()));
      break;
    case Frequency::kUndecided: {
      const bool straddles_rag = assessment.interval_lower_seconds < rag;
      reasons.push_back(
          Format("undecided: [%s, %s] straddles %s %s", lower.c_str(), upper.c_str(),
                 straddles_rag ? "rag_if_changes_faster_than" : "fine_tune_if_stable_for",
                 straddles_rag ? rag_text.c_str() : stable_text.c_str()));
      if (straddles_rag) {
        const std::uint64_t needed = ChangesNeeded(1 / rag, exposure, pooled.scale, confidence);
        missing.push_back(Format(
            "'fast' needs the upper bound below %s: at least %llu changes detected over the "
            "current %s of observation (has %llu)",
            rag_text.c_str(), static_cast<unsigned long long>(needed),
            FormatDuration(exposure).c_str(), static_cast<unsigned long long>(pooled_changes)));
      } else {
        const std::uint64_t needed = ChangesNeeded(1 / stable, exposure, pooled.scale, confidence);
        missing.push_back(Format(
            "'moderate' needs the upper bound below %s: at least %llu changes detected over "
            "the current %s of observation (has %llu)",
            stable_text.c_str(), static_cast<unsigned long long>(needed),
            FormatDuration(exposure).c_str(), static_cast<unsigned long long>(pooled_changes)));
      }
      const double for_stable = MoreTimeNeeded(1 / stable, pooled.groups, confidence);
      missing.push_back(
          Format("'stable' needs the lower bound above %s: observe for at least %s more with no "
                 "further change (%s in all%s)",
                 stable_text.c_str(), FormatDuration(for_stable).c_str(),
                 FormatDuration(exposure + for_stable).c_str(),
                 rate.reported_seconds > 0 ? ", counting the reported history" : ""));
      if (straddles_rag) {
        const double for_moderate = MoreTimeNeeded(1 / rag, pooled.groups, confidence);
        missing.push_back(Format(
            "'moderate' needs the lower bound above %s: observe for at least %s more with no "
            "further change",
            rag_text.c_str(), FormatDuration(for_moderate).c_str()));
      }
      break;
    }
  }

  const Frequency frequency = assessment.frequency;
  if (frequency == Frequency::kFast || frequency == Frequency::kStable) {
    const std::string threshold = FormatDuration(thresholds.fine_tune_if_latency_below_seconds);
    if (workload.latency_budget_seconds <= 0) {
      reasons.push_back("no latency budget given: retrieval latency is acceptable");
    } else {
      reasons.push_back(Format("latency budget %s is %s fine_tune_if_latency_below %s",
                               FormatDuration(workload.latency_budget_seconds).c_str(),
                               latency_low ? "below" : "not below", threshold.c_str()));
    }
  }
  if (frequency == Frequency::kStable) {
    reasons.push_back(workload.explainability_required
                          ? "explainability required: answers must cite their sources"
                          : "explainability optional");
  }
  const char* current = ToString(workload.strategy);
  if (frequency == Frequency::kModerate) {
    reasons.push_back(Format("moderate: no move, keep the current strategy %s", current));
  } else {
    reasons.push_back(Format("recommendation: %s (current strategy %s)",
                             ToString(assessment.recommendation), current));
  }
  if (assessment.recommendation == Recommendation::kHybrid) {
    std::vector<std::string> rag_side, tuning_side, other;
    for (const SourceSplit& split : assessment.sources) {
      (split.frequency == Frequency::kFast     ? rag_side
       : split.frequency == Frequency::kStable ? tuning_side
                                               : other)
          .push_back(split.source);
    }
    reasons.push_back(
        Format("hybrid: RAG side (fast): %s; fine-tuning side (stable): %s; "
               "not yet placed: %s",
               Join(rag_side).c_str(), Join(tuning_side).c_str(), Join(other).c_str()));
  }
  return assessment;
}

}  // namespace freshd::advisor
