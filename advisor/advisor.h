// The advisor (DESIGN.md 6.2 and 6.4): change-rate estimates with confidence intervals from
// check histories, a workload's change interval, its frequency class, and the decision
// table with hysteresis. Pure computation: no I/O, no clock; times are passed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace freshd::advisor {

// One successful check of a document after the one before it (errors are left out).
struct Interval {
  double seconds = 0;    // time since the previous successful check
  bool changed = false;  // the check saw a change (content changed, or the document went)
};

struct RateEstimate {
  double rate = 0;              // changes per second
  double lower = 0;             // two-sided interval at the requested confidence
  double upper = 0;             // +infinity when nothing bounds it
  double observed_seconds = 0;  // time covered by the observations
  std::uint64_t checks = 0;
  std::uint64_t changes = 0;
  // History the source reported from before the first check (DocumentHistory::reported_*),
  // counted in the estimate and its interval; 0 when none was used.
  double reported_seconds = 0;
  std::uint64_t reported_changes = 0;
  // "regular", "irregular", "last_modified", "naive", "none"; with reported history mixed
  // in, "irregular+reported", "last_modified+reported" or "lifetime+reported".
  std::string method;
};

// What is known of one document.
struct DocumentHistory {
  std::string source;
  std::vector<Interval> intervals;  // oldest first
  // Reliable modification times reported by the source (Last-Modified, lastmod, mtime),
  // Unix seconds, oldest first, distinct; empty when the source gives none.
  std::vector<double> modification_times;
  double first_check = 0;  // Unix seconds of the first successful check
  double last_check = 0;
  // History the source reports from before the first check (DESIGN.md 6.2): the document
  // was unchanged from `reported_since` (the modification time it reported at its first
  // check, or a git file's first commit) to first_check, except for `reported_changes`
  // (change times inside that window, oldest first). reported_since may be the creation
  // (no change) or the last edit (a change): the estimate and its lower bound take it as
  // the former, the upper bound as the latter, each the side least favourable to the
  // claim it supports ("fast" needs the lower bound, "stable" the upper).
  // 0 and empty when the source reports nothing, or when its dates are not trusted.
  double reported_since = 0;
  std::vector<double> reported_changes;
  std::string reported_by;  // where it came from: "last_modified", "mtime", "lastmod", "git"
  // Set by a caller that estimates as it reads, to hold one estimate per document in memory
  // rather than all its intervals: Assess then uses it and ignores the intervals.
  std::optional<RateEstimate> estimate;
  // The estimate from freshd's own observations only (no reported history, no modification
  // times), kept beside `estimate` by SummarizeDocument for a caller that learns later that
  // the source's dates are not to be trusted (DropReported in history.h).
  std::optional<RateEstimate> observed_estimate;
};

// Cho and Garcia-Molina, "Estimating Frequency of Change" (ACM TOIT 2003).
// n checks at interval I, X of which saw a change: r = -ln((n - X + 0.5) / (n + 0.5)) / I,
// interval from Clopper-Pearson on X/n mapped through r = -ln(1 - p) / I.
RateEstimate EstimateRegular(std::uint64_t checks, std::uint64_t changes, double interval_seconds,
                             double confidence);
// Irregular intervals: the maximum-likelihood r solving
// sum over changed intervals t / (e^(r t) - 1) = sum of unchanged intervals,
// regularised by half a pseudo-unchanged interval of the mean length on the right side
// (finite when every interval changed; equal to EstimateRegular on equal intervals).
// Interval: likelihood ratio with the chi-square(1) quantile; exact one-sided bounds when
// no interval or every interval changed.
RateEstimate EstimateIrregular(const std::vector<Interval>& intervals, double confidence);
// Modification times known: the paper's last-modified estimator, bias-reduced, with
// Garwood's interval (see estimators.cc for the formula). Access times are rebuilt as
// first_check plus the running sum of the intervals, so the intervals must be contiguous.
RateEstimate EstimateFromModifications(const DocumentHistory& history, double confidence);
// X / T with Garwood's interval, kept as a reference for tests and benchmarks only.
RateEstimate EstimateNaive(const std::vector<Interval>& intervals, double confidence);
// True when the modification times can be used: at least two intervals, every interval
// whose content changed holds a modification time, and some unchanged time is known.
bool ModificationTimesUsable(const DocumentHistory& history);
// Observed intervals and reported history together, in one likelihood: the observed
// intervals as in EstimateIrregular, reported exposure (first_check - reported_since) as
// time without a change (e^(-r E)), and each reported change time as an exact event (a
// factor r). Without an observed change the interval is Garwood's on the reported changes
// over all the exposure (exact); otherwise the likelihood ratio, as EstimateIrregular. The
// upper bound counts reported_since as one more change (see DocumentHistory).
// method "irregular+reported" ("last_modified+reported" when the modification times seen
// during observation are usable: they then give exact change times). Falls back to
// EstimateDocument when nothing is reported.
RateEstimate EstimateWithReported(const DocumentHistory& history, double confidence);
// The same for a document summarised by its lifetime totals (LifetimeEstimate): `checks`
// regular intervals of `interval_seconds`, `changes` of which saw a change, and the
// reported history of `history`. method "lifetime+reported"; EstimateRegular when nothing
// is reported.
RateEstimate EstimateLifetimeWithReported(std::uint64_t checks, std::uint64_t changes,
                                          double interval_seconds, const DocumentHistory& history,
                                          double confidence);
// Picks the estimator that fits the history (reported history when given, then
// modification times when usable, regular when max - min interval <= 10% of the mean,
// else irregular).
RateEstimate EstimateDocument(const DocumentHistory& history, double confidence);

// Quantiles, accurate to 1e-9 relative (tested against known values).
double ChiSquareQuantile(double probability, double degrees_of_freedom);
double BetaQuantile(double probability, double a, double b);

enum class Frequency { kFast, kStable, kModerate, kUndecided };
enum class Recommendation { kRag, kFineTuning, kHybrid, kUndecided };
enum class Strategy { kRag, kFineTuning, kHybrid };
const char* ToString(Frequency frequency);
const char* ToString(Recommendation recommendation);  // "rag", "fine_tuning", ...
const char* ToString(Strategy strategy);              // "rag", "fine_tuning", "hybrid"

struct Thresholds {
  double rag_if_changes_faster_than_seconds = 30 * 86400.0;
  double fine_tune_if_stable_for_seconds = 90 * 86400.0;
  double fine_tune_if_latency_below_seconds = 0.1;
  double confidence = 0.9;
};

// Whether a source's reported dates are used (JudgeTrust in trust.h), for the reasons.
struct SourceTrust {
  std::string source;
  bool trusted = false;
  std::string why;  // one line: what the agreements and disagreements were
};

struct WorkloadInput {
  std::string name;
  Strategy strategy = Strategy::kRag;
  double latency_budget_seconds = 0;  // 0: no budget given
  bool explainability_required = false;
  std::vector<DocumentHistory> documents;
  std::vector<SourceTrust> trust;  // per source with dates; said in the reasons
};

struct SourceSplit {
  std::string source;
  RateEstimate rate;                            // the source's documents together
  Frequency frequency = Frequency::kUndecided;  // classified like a workload
  bool history_trusted = false;                 // its reported dates are used (trust.h)
};

// A workload's change interval (1 / rate) with bounds, and the path through the table.
struct Assessment {
  // Sum of document rates. Bounds: the documents pooled as one Poisson process, Garwood
  // on their detected changes over the mean observed time per document (observed_seconds),
  // scaled by estimate / naive for the changes polling misses. Documents with reported
  // history form a pool of their own (observed plus reported changes and time, in
  // reported_seconds/reported_changes), so that they lend no time to documents without it;
  // the two pools' bounds add up. The upper bound also counts the distinct days of the
  // documents' reported_since as changes, and is the smallest of that, the bound without
  // reported history, and (no change at all) the bound from the time since the last
  // change anywhere; each at its share of the error. method "pooled", "pooled+reported"
  // or "none".
  RateEstimate rate;
  double interval_seconds = 0;        // 1 / rate (+inf when rate is 0)
  double interval_lower_seconds = 0;  // 1 / rate.upper
  double interval_upper_seconds = 0;  // 1 / rate.lower (+inf when lower is 0)
  Frequency frequency = Frequency::kUndecided;
  Recommendation recommendation = Recommendation::kUndecided;
  std::vector<std::string> reasons;  // one line per step of the decision, with its numbers
  std::vector<std::string> missing;  // what data is still needed for a decision
  std::vector<SourceSplit> sources;  // for hybrid: which side each source belongs on
};

Assessment Assess(const WorkloadInput& workload, const Thresholds& thresholds);

// A recommendation is published only after it has held for `hold_seconds`.
struct Hysteresis {
  Recommendation published = Recommendation::kUndecided;
  Recommendation candidate = Recommendation::kUndecided;
  double candidate_since = 0;  // Unix seconds
};
// Returns the new state given the current assessment's recommendation at `now`: a
// recommendation other than the published one becomes the candidate (candidate_since =
// now unless it already was) and is published once now - candidate_since >= hold_seconds;
// the first decision and a fall back to undecided wait too. When current equals the
// published one, the candidate resets to it. The state is unchanged when nothing moves.
Hysteresis UpdateHysteresis(const Hysteresis& state, Recommendation current, double now,
                            double hold_seconds);

}  // namespace freshd::advisor
