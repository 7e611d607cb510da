// Estimator benchmark: sources simulated as Poisson processes of known rates (no network).
// 1. E[estimate] / true rate and relative RMSE of the naive, regular, irregular and
//    last-modified estimators at r = rate * mean interval and n checks.
// 2. Wrong-side recommendations over simulated workloads: a truly fast workload (change
//    interval under rag_if_changes_faster_than) classified stable, or the reverse, and
//    more broadly any claimed class that excludes the true interval; both must stay
//    below 1 - confidence.
// 3. Reported history mixed in (DESIGN.md 6.2): a document created `age` before the first
//    check reports the time of its last change before it (or its creation): per document,
//    bias and interval coverage with and without that date; per workload of 20 documents,
//    the classes claimed on day one and after 30 days, with the dates of documents edited
//    independently or deployed together.
// Run: build/bench/bench_estimators [trials]   (fixed seeds; default 2000 trials)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "advisor/advisor.h"

namespace adv = freshd::advisor;

namespace {

struct Moments {
  double sum = 0;
  double squared_error = 0;
  int count = 0;
  void Add(double estimate, double truth) {
    sum += estimate / truth;
    squared_error += (estimate - truth) * (estimate - truth) / (truth * truth);
    ++count;
  }
  double Mean() const { return sum / count; }
  double RelativeRmse() const { return std::sqrt(squared_error / count); }
};

// Polls a Poisson process of `rate` at the given interval lengths, recording whether each
// interval saw a change and the time of its last change (the modification time).
adv::DocumentHistory Simulate(std::mt19937_64& rng, double rate, const std::vector<double>& lengths,
                              double start = 0) {
  adv::DocumentHistory h;
  h.first_check = start;
  std::exponential_distribution<> gap(rate > 0 ? rate : 1);
  double now = start;
  double next = rate > 0 ? start + gap(rng) : INFINITY;
  for (double t : lengths) {
    const double previous = now;
    now += t;
    bool changed = false;
    double last = 0;
    while (next <= now) {
      changed = true;
      last = next;
      next += gap(rng);
    }
    if (changed) h.modification_times.push_back(last);
    h.intervals.push_back({now - previous, changed});
  }
  h.last_check = now;
  return h;
}

void EstimatorTable(int trials) {
  std::printf("1. Estimators: mean estimate/true and relative RMSE, %d trials per cell\n", trials);
  std::printf("   regular: checks every I; irregular: intervals uniform on [0.2 I, 1.8 I];\n");
  std::printf("   last_mod: regular checks plus the time of the last change; r = rate * I\n\n");
  std::printf("%5s %4s | %7s | %13s | %13s | %13s | %13s\n", "r", "n", "theory", "naive", "regular",
              "irregular", "last_mod");
  std::printf("%5s %4s | %7s | %6s %6s | %6s %6s | %6s %6s | %6s %6s\n", "", "", "naive", "mean",
              "rmse", "mean", "rmse", "mean", "rmse", "mean", "rmse");
  std::mt19937_64 rng(20030101);
  std::uniform_real_distribution<> irregular_length(0.2, 1.8);
  for (int n : {10, 30, 100}) {
    for (double r : {0.25, 0.5, 1.0, 2.0, 3.0, 4.0}) {
      Moments naive, regular, irregular, last_modified;
      const std::vector<double> equal(n, 1.0);
      for (int i = 0; i < trials; ++i) {
        const adv::DocumentHistory h = Simulate(rng, r, equal);
        std::uint64_t x = 0;
        for (const auto& interval : h.intervals) x += interval.changed;
        naive.Add(adv::EstimateNaive(h.intervals, 0.9).rate, r);
        regular.Add(adv::EstimateRegular(n, x, 1.0, 0.9).rate, r);
        last_modified.Add(adv::EstimateFromModifications(h, 0.9).rate, r);
        std::vector<double> lengths(n);
        for (double& t : lengths) t = irregular_length(rng);
        irregular.Add(adv::EstimateIrregular(Simulate(rng, r, lengths).intervals, 0.9).rate, r);
      }
      std::printf("%5.2f %4d | %7.3f | %6.3f %6.3f | %6.3f %6.3f | %6.3f %6.3f | %6.3f %6.3f\n", r,
                  n, -std::expm1(-r) / r, naive.Mean(), naive.RelativeRmse(), regular.Mean(),
                  regular.RelativeRmse(), irregular.Mean(), irregular.RelativeRmse(),
                  last_modified.Mean(), last_modified.RelativeRmse());
    }
  }
}

void WrongSide(int trials_per_cell) {
  constexpr double kDay = 86400;
  const adv::Thresholds thresholds;  // 30 d, 90 d, 90%
  const double bound = 1 - thresholds.confidence;
  std::printf(
      "\n2. Recommendations over simulated workloads (thresholds 30 d / 90 d, "
      "confidence %.0f%%)\n",
      thresholds.confidence * 100);
  std::printf(
      "   1, 10 or 100 documents sharing the rate at random; polled daily or every 6 h "
      "+-30%%;\n   observed 14, 30, 90, 180, 365 or 730 d; %d workloads per cell\n\n",
      trials_per_cell);
  std::printf("%-9s %9s | %9s %9s %9s %9s | %10s %11s %6s\n", "truth", "interval", "fast",
              "moderate", "stable", "undecided", "wrong-side", "false-claim", "bound");
  std::mt19937_64 rng(4242);
  std::uniform_real_distribution<> unit(0, 1);
  long total = 0, total_wrong = 0, total_false = 0;
  for (double truth_days :
       {1.0, 5.0, 15.0, 25.0, 29.0, 35.0, 60.0, 85.0, 95.0, 120.0, 200.0, 365.0, 1000.0}) {
    const double truth = truth_days * kDay;
    const char* kind = truth < thresholds.rag_if_changes_faster_than_seconds ? "fast"
                       : truth > thresholds.fine_tune_if_stable_for_seconds  ? "stable"
                                                                             : "moderate";
    long counts[4] = {0, 0, 0, 0};
    long cell = 0, wrong = 0, false_claim = 0;
    for (int documents : {1, 10, 100}) {
      for (double window_days : {14.0, 30.0, 90.0, 180.0, 365.0, 730.0}) {
        for (int trial = 0; trial < trials_per_cell; ++trial) {
          const bool irregular = trial % 2 == 1;
          const double poll = irregular ? kDay / 4 : kDay;
          std::vector<double> shares(documents);
          double share_sum = 0;
          for (double& s : shares) share_sum += s = -std::log(unit(rng));
          adv::WorkloadInput workload;
          for (int d = 0; d < documents; ++d) {
            std::vector<double> lengths;
            for (double t = 0; t < window_days * kDay;) {
              lengths.push_back(irregular ? poll * (0.7 + 0.6 * unit(rng)) : poll);
              t += lengths.back();
            }
            adv::DocumentHistory h = Simulate(rng, shares[d] / share_sum / truth, lengths, 1e9);
            h.modification_times.clear();  // polling only
            workload.documents.push_back(std::move(h));
          }
          const adv::Frequency f = adv::Assess(workload, thresholds).frequency;
          ++counts[static_cast<int>(f)];
          ++cell;
          const bool claimed_fast = f == adv::Frequency::kFast;
          const bool claimed_stable = f == adv::Frequency::kStable;
          const bool claimed_moderate = f == adv::Frequency::kModerate;
          wrong += (kind[0] == 'f' && claimed_stable) || (kind[0] == 's' && claimed_fast);
          false_claim +=
              (claimed_fast && truth >= thresholds.rag_if_changes_faster_than_seconds) ||
              (claimed_stable && truth <= thresholds.fine_tune_if_stable_for_seconds) ||
              (claimed_moderate && (truth < thresholds.rag_if_changes_faster_than_seconds ||
                                    truth > thresholds.fine_tune_if_stable_for_seconds));
        }
      }
    }
    std::printf("%-9s %7.0f d | %9.3f %9.3f %9.3f %9.3f | %10.4f %11.4f %6.2f\n", kind, truth_days,
                counts[0] / double(cell), counts[2] / double(cell), counts[1] / double(cell),
                counts[3] / double(cell), wrong / double(cell), false_claim / double(cell), bound);
    total += cell;
    total_wrong += wrong;
    total_false += false_claim;
  }
  std::printf("%-9s %9s | %39s | %10.4f %11.4f %6.2f\n", "all", "", "", total_wrong / double(total),
              total_false / double(total), bound);
}

// The date a document reports at its first check, `start`: its last change before it
// (a Poisson process looking backwards is one too), or its creation `age` before.
double ReportedDate(std::mt19937_64& rng, double rate, double age, double start) {
  std::exponential_distribution<> gap(rate);
  return start - std::min(gap(rng), age);
}

struct Coverage {
  Moments moments;
  int both = 0;   // lower <= truth <= upper
  int upper = 0;  // truth <= upper (the side "stable" needs)
  void Add(const adv::RateEstimate& e, double truth) {
    moments.Add(e.rate, truth);
    both += e.lower <= truth && truth <= e.upper;
    upper += truth <= e.upper;
  }
};

void ReportedTable(int trials) {
  std::printf(
      "\n3a. Reported history, per document: checks every I (=1), r = rate * I, created "
      "age / rate\n    before the first check; mean estimate/true, coverage of the 90%% "
      "interval (both sides)\n    and of its upper bound alone (nominal 0.95); %d trials per "
      "cell\n\n",
      trials);
  std::printf("%5s %3s %6s | %22s | %22s\n", "r", "n", "age*r", "observed only",
              "with the reported date");
  std::printf("%5s %3s %6s | %6s %7s %7s | %6s %7s %7s\n", "", "", "", "mean", "cover", "upper",
              "mean", "cover", "upper");
  std::mt19937_64 rng(6022);
  for (double r : {0.02, 0.2}) {
    for (int n : {2, 10, 50}) {
      for (double age_r : {0.5, 2.0, 10.0}) {
        Coverage observed, reported;
        const std::vector<double> equal(n, 1.0);
        for (int i = 0; i < trials; ++i) {
          adv::DocumentHistory h = Simulate(rng, r, equal, 1e6);
          h.modification_times.clear();  // polling only
          observed.Add(adv::EstimateDocument(h, 0.9), r);
          h.reported_since = ReportedDate(rng, r, age_r / r, h.first_check);
          reported.Add(adv::EstimateDocument(h, 0.9), r);
        }
        std::printf("%5.2f %3d %6.1f | %6.3f %7.3f %7.3f | %6.3f %7.3f %7.3f\n", r, n, age_r,
                    observed.moments.Mean(), observed.both / double(trials),
                    observed.upper / double(trials), reported.moments.Mean(),
                    reported.both / double(trials), reported.upper / double(trials));
      }
    }
  }
}

// Day one (two checks 15 minutes apart) or `days` of daily checks, 20 documents sharing the
// workload's change interval equally; their dates independent (each created up to five
// years ago) or deployed together 2.5 years ago.
adv::Assessment DayOne(std::mt19937_64& rng, double interval, bool deployed, double days,
                       bool use_dates, const adv::Thresholds& thresholds) {
  constexpr double kDay = 86400;
  constexpr int kDocuments = 20;
  std::uniform_real_distribution<> age(0, 5 * 365 * kDay);
  const double rate = 1 / (interval * kDocuments);
  const std::vector<double> lengths =
      days > 0 ? std::vector<double>(static_cast<std::size_t>(days), kDay)
               : std::vector<double>{900.0};
  adv::WorkloadInput workload;
  for (int d = 0; d < kDocuments; ++d) {
    adv::DocumentHistory h = Simulate(rng, rate, lengths, 1.8e9);
    h.modification_times.clear();
    if (use_dates) {
      h.reported_since =
          ReportedDate(rng, rate, deployed ? 2.5 * 365 * kDay : age(rng), h.first_check);
    }
    workload.documents.push_back(std::move(h));
  }
  return adv::Assess(workload, thresholds);
}

// What the rule "a reported date is only the start of unchanged time" would claim: the
// pooled Garwood upper bound without the dates counted, below 1 / fine_tune_if_stable_for.
bool StableWithoutDates(const adv::Assessment& a, const adv::Thresholds& thresholds) {
  const double k = static_cast<double>(a.rate.changes + a.rate.reported_changes);
  const double exposure = a.rate.observed_seconds + a.rate.reported_seconds;
  const double alpha = 1 - thresholds.confidence;
  const double upper = adv::ChiSquareQuantile(1 - alpha / 2, 2 * k + 2) / (2 * exposure);
  return upper < 1 / thresholds.fine_tune_if_stable_for_seconds;
}

void ReportedWorkloads(int trials) {
  constexpr double kDay = 86400;
  const adv::Thresholds thresholds;
  std::printf(
      "\n3b. Reported history, per workload of 20 documents: share of workloads called "
      "stable / fast\n    (truth: fast < 30 d < moderate < 90 d < stable); %d workloads per "
      "cell\n    indep.: each document created at random up to 5 years ago, reporting its last "
      "edit or\n    its creation; no count: those dates read as unchanged time only (a rule "
      "not adopted);\n    deployed: all created together 2.5 years ago; day 1: two checks 15 "
      "min apart\n\n",
      trials);
  std::printf("%9s | %15s | %15s | %15s | %15s | %15s\n", "interval", "day 1, no dates",
              "day 1, indep.", "indep., no count", "day 1, deployed", "365 d, indep.");
  std::printf("%9s | %7s %7s | %7s %7s | %7s %7s | %7s %7s | %7s %7s\n", "", "stable", "fast",
              "stable", "fast", "stable", "fast", "stable", "fast", "stable", "fast");
  std::mt19937_64 rng(1717);
  struct Column {
    bool deployed;
    double observed_days;
    bool dates;
  };
  // The third column reads the dates of the second as the rule that does not count them
  // would ("stable" only; its "fast" is the second's).
  const Column columns[] = {
      {false, 0, false}, {false, 0, true}, {false, 0, true}, {true, 0, true}, {false, 365, true}};
  for (double days : {3.0, 10.0, 25.0, 60.0, 120.0, 365.0, 1000.0}) {
    std::printf("%7.0f d |", days);
    for (std::size_t c = 0; c < std::size(columns); ++c) {
      const Column& column = columns[c];
      int stable = 0, fast = 0;
      for (int i = 0; i < trials; ++i) {
        const adv::Assessment a = DayOne(rng, days * kDay, column.deployed, column.observed_days,
                                         column.dates, thresholds);
        stable +=
            c == 2 ? StableWithoutDates(a, thresholds) : a.frequency == adv::Frequency::kStable;
        fast += a.frequency == adv::Frequency::kFast;
      }
      std::printf(" %7.3f %7.3f |", stable / double(trials), fast / double(trials));
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int trials = argc > 1 ? std::atoi(argv[1]) : 2000;
  EstimatorTable(trials);
  WrongSide(std::max(2, trials / 50));
  ReportedTable(trials);
  ReportedWorkloads(std::max(20, trials / 10));
  return 0;
}
