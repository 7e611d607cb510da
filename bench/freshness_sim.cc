// Freshness simulation (no network, no daemon): documents change as Poisson processes of
// known rates; a policy decides when each is checked under a request budget; a check makes
// the copy equal to the live document. Time is simulated (seconds as doubles), weeks of it
// in seconds of real time. Measured: the time-averaged freshness of the last week, the
// fraction of document-time in which the copy equals the live document.
//
// Policies: uniform; proportional (frequency ~ true rate); freshd adaptive (rates learned
// from each document's own checks with advisor::EstimateIrregular, reallocated with
// scheduler::AllocateChecks every simulated day, starting from the mean rate, see
// AdaptiveIntervals); the optimum (AllocateChecks on the true rates); trusted hints
// (the listing, charged to the budget, shows which documents changed, and those are checked
// at once within scheduler::RequestBudget, the slowest-changing first).
//
// Run: build/bench/bench_freshness_sim [documents] [weeks]   (fixed seeds; 2000 and 8)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "advisor/advisor.h"
#include "scheduler/allocation.h"
#include "scheduler/request_budget.h"

namespace adv = freshd::advisor;
namespace sch = freshd::scheduler;

namespace {

constexpr double kHour = 3600;
constexpr double kDay = 24 * kHour;
constexpr double kWeek = 7 * kDay;
constexpr double kMonth = 30 * kDay;
constexpr double kListingInterval = 300;

struct Mix {
  std::string name;
  std::vector<double> rates;  // changes per second, one per document
};

double LogUniform(std::mt19937_64& random, double low, double high) {
  return std::exp(std::uniform_real_distribution<double>(std::log(low), std::log(high))(random));
}

// (a) Cho and Garcia-Molina-like: rates spread evenly on a log scale from once an hour to
// once a month. (b) gamma-distributed (shape 0.7, mean once a day), kept within the same
// span. (c) a few very fast (5%, every 10 min to 1 h) and many slow (1 week to 3 months).
std::vector<Mix> Mixes(std::size_t documents) {
  std::mt19937_64 random(20031);
  std::vector<Mix> mixes = {
      {"log-uniform 1/h..1/month", {}}, {"gamma(0.7), mean 1/d", {}}, {"5% fast + 95% slow", {}}};
  std::gamma_distribution<double> gamma(0.7, 1 / (0.7 * kDay));
  for (std::size_t i = 0; i < documents; ++i) {
    mixes[0].rates.push_back(LogUniform(random, 1 / kMonth, 1 / kHour));
    mixes[1].rates.push_back(std::clamp(gamma(random), 1 / kMonth, 1 / kHour));
    mixes[2].rates.push_back(i % 20 == 0 ? LogUniform(random, 1 / kHour, 1 / 600.0)
                                         : LogUniform(random, 1 / (3 * kMonth), 1 / kWeek));
  }
  return mixes;
}

double Mean(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// One document as the simulation sees it.
struct Doc {
  double rate = 0;         // the truth
  double last_check = 0;   // when the copy was last made equal to the live document
  double next_change = 0;  // the first change after last_check
  double next_check = 0;
  std::vector<adv::Interval> history;  // what freshd observed
};

class World {
 public:
  World(const std::vector<double>& rates, double measure_from, std::uint64_t seed)
      : random_(seed), measure_from_(measure_from) {
    for (const double rate : rates) {
      Doc doc;
      doc.rate = rate;
      doc.next_change = Exponential(rate);
      docs_.push_back(doc);
    }
  }

  std::vector<Doc>& docs() { return docs_; }
  const std::vector<Doc>& docs() const { return docs_; }
  std::mt19937_64& random() { return random_; }
  std::uint64_t checks() const { return checks_; }

  // A check of document `i` at time `t`: counts the fresh time since the last one.
  void Check(std::size_t i, double t) {
    Doc& doc = docs_[i];
    const bool changed = doc.next_change <= t;
    AddFresh(doc.last_check, std::min(doc.next_change, t));
    doc.history.push_back({t - doc.last_check, changed});
    if (changed) doc.next_change = t + Exponential(doc.rate);
    doc.last_check = t;
    ++checks_;
  }

  // The measured freshness over [measure_from, end).
  double Freshness(double end) {
    for (const Doc& doc : docs_) AddFresh(doc.last_check, std::min(doc.next_change, end));
    return fresh_ / ((end - measure_from_) * static_cast<double>(docs_.size()));
  }

 private:
  double Exponential(double rate) { return std::exponential_distribution<double>(rate)(random_); }
  void AddFresh(double from, double to) {
    fresh_ += std::max(0.0, to - std::max(from, measure_from_));
  }

  std::vector<Doc> docs_;
  std::mt19937_64 random_;
  double measure_from_;
  double fresh_ = 0;
  std::uint64_t checks_ = 0;
};

// Frequencies proportional to the rates, within the limits, summing to the budget
// (bisection on the factor).
std::vector<double> ProportionalIntervals(const std::vector<double>& rates,
                                          const sch::AllocationLimits& limits) {
  const double low = 1 / limits.max_interval_seconds;
  const double high = 1 / limits.min_interval_seconds;
  const auto frequencies = [&](double factor) {
    std::vector<double> f;
    f.reserve(rates.size());
    for (const double rate : rates) f.push_back(std::clamp(factor * rate, low, high));
    return f;
  };
  double small = 1e-12;
  double large = 1e12;
  for (int i = 0; i < 200; ++i) {
    const double factor = std::sqrt(small * large);
    const std::vector<double> f = frequencies(factor);
    (std::accumulate(f.begin(), f.end(), 0.0) > limits.budget_per_second ? large : small) = factor;
  }
  std::vector<double> intervals;
  for (const double f : frequencies(small)) intervals.push_back(1 / f);
  return intervals;
}

// Checks every document periodically at its interval until `end`, from `start`; a document
// whose next check under the new interval is already past is checked at a random time of
// its first interval, so that a reallocation does not bunch the checks.
void RunPeriodic(World& world, const std::vector<double>& intervals, double start, double end) {
  std::uniform_real_distribution<double> unit(0, 1);
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    Doc& doc = world.docs()[i];
    doc.next_check = doc.last_check + intervals[i];
    if (doc.next_check < start) doc.next_check = start + unit(world.random()) * intervals[i];
    while (doc.next_check < end) {
      world.Check(i, doc.next_check);
      doc.next_check += intervals[i];
    }
  }
}

// What freshd would know of each document from its own checks.
std::vector<sch::ObservedRate> Observe(const World& world) {
  std::vector<sch::ObservedRate> observed;
  for (const Doc& doc : world.docs()) {
    if (doc.history.empty()) {
      observed.emplace_back();
      continue;
    }
    const adv::RateEstimate estimate = adv::EstimateIrregular(doc.history, 0.9);
    observed.push_back(
        {estimate.checks, estimate.changes, estimate.rate, estimate.observed_seconds});
  }
  return observed;
}

// freshd adaptive for one day: plan with the learned rates (sch::PlanningRate) and
// allocate; with `explore`, documents whose every check saw a change are then checked at
// sch::ExploringInterval for the day, over the budget (the simulation does not cap it).
std::vector<double> AdaptiveIntervals(const World& world, double prior,
                                      const sch::AllocationLimits& limits, bool explore) {
  const std::vector<sch::ObservedRate> observed = Observe(world);
  std::vector<double> rates;
  rates.reserve(observed.size());
  for (const sch::ObservedRate& one : observed) rates.push_back(sch::PlanningRate(one, prior));
  std::vector<double> intervals = sch::AllocateChecks(rates, limits).intervals_seconds;
  for (std::size_t i = 0; explore && i < intervals.size(); ++i) {
    const std::vector<adv::Interval>& history = world.docs()[i].history;
    if (history.empty()) continue;
    intervals[i] =
        sch::ExploringInterval(observed[i], history.back().seconds, intervals[i], limits);
  }
  return intervals;
}

// The mean expected freshness of documents of the true `rates` at `intervals`.
double ModelFreshness(const std::vector<double>& rates, const std::vector<double>& intervals) {
  double sum = 0;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    sum += sch::ExpectedFreshness(rates[i], intervals[i]);
  }
  return sum / static_cast<double>(rates.size());
}

enum class Policy { kUniform, kProportional, kAdaptive, kExploring, kOptimum, kHints };

struct Outcome {
  double freshness = 0;
  double requests_per_budget = 0;  // requests made (listings too) / what the budget allows
  double model = 0;  // adaptive: the expected freshness of its last allocation at the true rates
};

// Trusted hints: every listing shows which documents changed since their last check; they
// are checked at once within the budget, those with the lowest learned rate first (a check
// keeps a slow document fresh longest). The listing itself is charged to the budget: it is
// read every 5 minutes, or less often when that would take more than 5% of the budget.
// Returns the number of listings.
std::uint64_t RunHints(World& world, double budget_per_hour, double end) {
  const double listing_interval = std::max(kListingInterval, 20 * kHour / budget_per_hour);
  sch::RequestBudget budget(static_cast<std::uint64_t>(budget_per_hour), std::chrono::hours(1));
  const auto at = [](double t) {
    return sch::TimePoint(std::chrono::milliseconds(static_cast<std::int64_t>(t * 1000)));
  };
  std::vector<double> changes(world.docs().size(), 0);
  using Entry = std::pair<double, std::size_t>;  // learned rate, document
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> due;
  std::vector<bool> queued(world.docs().size(), false);
  std::uint64_t listings = 0;
  for (std::uint64_t run = 0; static_cast<double>(run) * listing_interval < end; ++run) {
    const double listing = static_cast<double>(run) * listing_interval;
    budget.Charge(at(listing));
    ++listings;
    for (std::size_t i = 0; i < world.docs().size(); ++i) {
      if (queued[i] || world.docs()[i].next_change > listing) continue;
      queued[i] = true;
      changes[i] += 1;
      due.push({(changes[i] + 1) / (listing + kDay), i});
    }
    double t = listing;
    while (!due.empty()) {
      const double next =
          std::chrono::duration<double>(budget.NextAvailable(at(t)).time_since_epoch()).count();
      if (next >= listing + listing_interval || next >= end) break;
      t = next;
      if (!budget.TryAcquire(at(t))) continue;
      const std::size_t i = due.top().second;
      due.pop();
      queued[i] = false;
      world.Check(i, t);
    }
  }
  return listings;
}

Outcome Run(Policy policy, const std::vector<double>& rates, double budget_per_day, int weeks) {
  const double end = weeks * kWeek;
  World world(rates, end - kWeek, 7 + static_cast<std::uint64_t>(policy));
  Outcome outcome;
  std::uint64_t listings = 0;
  sch::AllocationLimits limits{budget_per_day / kDay, 60, 7 * kDay};
  switch (policy) {
    case Policy::kUniform:
      RunPeriodic(world, sch::AllocateUniform(rates, limits).intervals_seconds, 0, end);
      break;
    case Policy::kProportional:
      RunPeriodic(world, ProportionalIntervals(rates, limits), 0, end);
      break;
    case Policy::kOptimum:
      RunPeriodic(world, sch::AllocateChecks(rates, limits).intervals_seconds, 0, end);
      break;
    case Policy::kAdaptive:
    case Policy::kExploring: {
      const double prior = Mean(rates);
      for (int days = 0; days < weeks * 7; ++days) {
        const double day = days * kDay;
        const std::vector<double> intervals =
            AdaptiveIntervals(world, prior, limits, policy == Policy::kExploring);
        RunPeriodic(world, intervals, day, day + kDay);
        outcome.model = ModelFreshness(rates, intervals);
      }
      break;
    }
    case Policy::kHints:
      listings = RunHints(world, budget_per_day / 24, end);
      break;
  }
  outcome.freshness = world.Freshness(end);
  outcome.requests_per_budget =
      static_cast<double>(world.checks() + listings) / (budget_per_day * weeks * 7);
  return outcome;
}

// 100,000 documents of mix (a): how long one allocation takes.
void AllocationTiming() {
  std::mt19937_64 random(1);
  std::vector<double> rates(100'000);
  for (double& rate : rates) rate = LogUniform(random, 1 / kMonth, 1 / kHour);
  for (const double per_document : {0.5, 2.0, 20.0}) {
    const sch::AllocationLimits limits{per_document * 100'000 / kDay, 60, 7 * kDay};
    double best = INFINITY;
    for (int round = 0; round < 3; ++round) {
      const auto start = std::chrono::steady_clock::now();
      const sch::Allocation allocation = sch::AllocateChecks(rates, limits);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      best = std::min(best, took.count());
      if (allocation.intervals_seconds.size() != rates.size()) std::abort();
    }
    std::printf("AllocateChecks, 100,000 documents, %4.1f checks/document/day: %.0f ms\n",
                per_document, best * 1000);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t documents = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2000;
  const int weeks = argc > 2 ? std::atoi(argv[2]) : 8;
  if (documents == 0 || weeks < 2) {
    std::fprintf(stderr, "usage: bench_freshness_sim [documents] [weeks >= 2]\n");
    return 2;
  }
  AllocationTiming();
  std::printf(
      "\n%zu documents, %d weeks simulated, freshness of the last week (model: the expected "
      "freshness of the allocation at the true rates); budget and changes per document per "
      "day; min_interval 1m, max_interval 7d\n\n",
      documents, weeks);
  std::printf(
      "| mix | changes | budget | uniform | proportional | adaptive (model) [requests/budget] |"
      " adaptive, exploring | optimum (model) | hints [requests/budget] |\n"
      "|---|---|---|---|---|---|---|---|---|\n");
  for (const Mix& mix : Mixes(documents)) {
    for (const double budget : {0.5, 2.0, 8.0}) {
      const double per_day = budget * static_cast<double>(documents);
      const sch::AllocationLimits limits{per_day / kDay, 60, 7 * kDay};
      const auto run = [&](Policy policy) { return Run(policy, mix.rates, per_day, weeks); };
      const Outcome adaptive = run(Policy::kAdaptive);
      const Outcome exploring = run(Policy::kExploring);
      const Outcome hints = run(Policy::kHints);
      std::printf(
          "| %s | %.2f | %.1f | %.4f | %.4f | %.4f (%.4f) [%.2f] | %.4f (%.4f) [%.2f] |"
          " %.4f (%.4f) | %.4f [%.2f] |\n",
          mix.name.c_str(), Mean(mix.rates) * kDay, budget, run(Policy::kUniform).freshness,
          run(Policy::kProportional).freshness, adaptive.freshness, adaptive.model,
          adaptive.requests_per_budget, exploring.freshness, exploring.model,
          exploring.requests_per_budget, run(Policy::kOptimum).freshness,
          sch::AllocateChecks(mix.rates, limits).expected_freshness, hints.freshness,
          hints.requests_per_budget);
      std::fflush(stdout);
    }
  }
  return 0;
}
