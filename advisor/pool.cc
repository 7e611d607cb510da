// The documents of a workload or a source as one Poisson process (or two: with and
// without reported history), for the bounds of their change rate.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "advisor/advisor.h"
#include "advisor/internal.h"

namespace freshd::advisor::internal {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kDay = 86400;

}  // namespace

bool Counted(const RateEstimate& estimate) {
  return estimate.checks > 0 || estimate.reported_seconds > 0;
}

// The documents together as one Poisson process: their detected changes X over the mean
// time each was observed, T (Garwood's interval on X over T). T is the mean rather than
// the workload's whole window so that documents added late do not lend the others time
// they were not watched; it equals the window when every document was watched through it.
// Reported history adds its changes to X and its time to T; for the upper bound only, the
// reported dates at the first checks count as changes too (each may be the last edit
// rather than the creation), one per distinct day, since a deployment or a copy dates many
// files alike and is one change of the workload. Without them, documents edited now and
// then, each once a year, would look stable for a quarter from the day-one dates alone.
// That bound is then the smallest of two or three views (see Group).
// Detected changes under-count (a poll sees at most one change per interval), so the
// bounds are scaled by (sum of the documents' bias-corrected rates) / (X / T), keeping
// the interval around the estimate (the factor also absorbs unequal observation times:
// changes of a document watched for less than T are counted against T); it is near 1 when
// changes are rare between polls, the only regime in which "stable" can be claimed.
namespace {

Pooled PoolOne(const std::vector<const RateEstimate*>& estimates,
               const std::vector<const DocumentHistory*>& documents, double confidence) {
  Pooled pooled;
  double observed_sum = 0;
  double reported_sum = 0;
  double first = kInfinity;
  double last = -kInfinity;
  double quiet = kInfinity;
  std::set<double> days;
  for (std::size_t i = 0; i < estimates.size(); ++i) {
    const RateEstimate& estimate = *estimates[i];
    if (!Counted(estimate)) continue;
    ++pooled.documents;
    if (estimate.reported_seconds > 0) {
      ++pooled.reported_documents;
      days.insert(std::floor(documents[i]->reported_since / kDay));
    }
    pooled.rate.rate += estimate.rate;
    pooled.rate.checks += estimate.checks;
    pooled.rate.changes += estimate.changes;
    pooled.rate.reported_changes += estimate.reported_changes;
    observed_sum += estimate.observed_seconds;
    reported_sum += estimate.reported_seconds;
    quiet = std::min(quiet, estimate.reported_seconds + estimate.observed_seconds);
    if (documents[i]->first_check > 0) first = std::min(first, documents[i]->first_check);
    last = std::max(last, documents[i]->last_check);
  }
  if (pooled.documents == 0) {
    pooled.rate.upper = kInfinity;
    pooled.rate.method = "none";
    return pooled;
  }
  pooled.rate.method = pooled.reported_documents > 0 ? "pooled+reported" : "pooled";
  const double count = static_cast<double>(pooled.documents);
  pooled.rate.observed_seconds = observed_sum / count;
  pooled.rate.reported_seconds = reported_sum / count;
  const double exposure = (observed_sum + reported_sum) / count;
  const std::uint64_t changes = pooled.rate.changes + pooled.rate.reported_changes;
  pooled.window_seconds = last > first ? last - first : pooled.rate.observed_seconds;
  pooled.reported_dates = days.size();
  const std::uint64_t upper_changes = changes + pooled.reported_dates;
  if (changes > 0) {
    const double naive = static_cast<double>(changes) / exposure;
    pooled.scale = std::max(1.0, pooled.rate.rate / naive);
  }
  const Group group{.changes = changes,
                    .upper_changes = upper_changes,
                    .exposure = exposure,
                    .scale = pooled.scale,
                    .reported = pooled.reported_documents > 0,
                    .observed_changes = pooled.rate.changes,
                    .observed_exposure = pooled.rate.observed_seconds,
                    .quiet = changes == 0 && pooled.reported_documents > 0 ? quiet : 0};
  pooled.quiet_seconds = group.quiet;
  pooled.rate.lower = Garwood(changes, exposure, confidence).lower * pooled.scale;
  pooled.rate.upper = GroupUpper(group, 0, confidence);
  pooled.groups.push_back(group);
  return pooled;
}

}  // namespace

double GroupUpper(const Group& group, double more, double confidence) {
  if (!group.reported) {
    return Garwood(group.upper_changes, group.exposure + more, confidence).upper * group.scale;
  }
  // Each of the views at its share of the error (Bonferroni): two or three looks.
  const double looks = group.quiet > 0 ? 3 : 2;
  const double share = 1 - (1 - confidence) / looks;
  double upper =
      std::min(Garwood(group.upper_changes, group.exposure + more, share).upper,
               Garwood(group.observed_changes, group.observed_exposure + more, share).upper);
  if (group.quiet > 0) upper = std::min(upper, Garwood(0, group.quiet + more, share).upper);
  return upper * group.scale;
}

// Documents with reported history are pooled apart from those without, so that years of
// reported time do not vouch for a document watched for a day; the bounds of the two pools
// add up (each holds at the confidence level, so their sum errs on the wide side).
Pooled Pool(const std::vector<const RateEstimate*>& estimates,
            const std::vector<const DocumentHistory*>& documents, double confidence) {
  std::vector<const RateEstimate*> with_estimates, without_estimates;
  std::vector<const DocumentHistory*> with_documents, without_documents;
  for (std::size_t i = 0; i < estimates.size(); ++i) {
    const bool reported = estimates[i]->reported_seconds > 0;
    (reported ? with_estimates : without_estimates).push_back(estimates[i]);
    (reported ? with_documents : without_documents).push_back(documents[i]);
  }
  Pooled with = PoolOne(with_estimates, with_documents, confidence);
  Pooled without = PoolOne(without_estimates, without_documents, confidence);
  if (with.documents == 0) return without;
  if (without.documents == 0) return with;
  Pooled pooled;
  pooled.documents = with.documents + without.documents;
  pooled.reported_documents = with.reported_documents;
  pooled.reported_dates = with.reported_dates;
  pooled.quiet_seconds = with.quiet_seconds;
  const double w = static_cast<double>(with.documents) / static_cast<double>(pooled.documents);
  RateEstimate& rate = pooled.rate;
  rate.method = "pooled+reported";
  rate.rate = with.rate.rate + without.rate.rate;
  rate.lower = with.rate.lower + without.rate.lower;
  rate.upper = with.rate.upper + without.rate.upper;
  rate.checks = with.rate.checks + without.rate.checks;
  rate.changes = with.rate.changes + without.rate.changes;
  rate.reported_changes = with.rate.reported_changes;
  rate.observed_seconds = w * with.rate.observed_seconds + (1 - w) * without.rate.observed_seconds;
  rate.reported_seconds = w * with.rate.reported_seconds;
  pooled.scale = std::max(with.scale, without.scale);
  pooled.window_seconds = std::max(with.window_seconds, without.window_seconds);
  pooled.groups = {with.groups[0], without.groups[0]};
  return pooled;
}

}  // namespace freshd::advisor::internal
