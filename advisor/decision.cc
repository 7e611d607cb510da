// The decision table of DESIGN.md 6.4 and the hysteresis that publishes its result.
#include "advisor/advisor.h"
#include "advisor/internal.h"

namespace freshd::advisor {

const char* ToString(Frequency frequency) {
  switch (frequency) {
    case Frequency::kFast:
      return "fast";
    case Frequency::kStable:
      return "stable";
    case Frequency::kModerate:
      return "moderate";
    case Frequency::kUndecided:
      break;
  }
  return "undecided";
}

const char* ToString(Recommendation recommendation) {
  switch (recommendation) {
    case Recommendation::kRag:
      return "rag";
    case Recommendation::kFineTuning:
      return "fine_tuning";
    case Recommendation::kHybrid:
      return "hybrid";
    case Recommendation::kUndecided:
      break;
  }
  return "undecided";
}

const char* ToString(Strategy strategy) { return ToString(internal::FromStrategy(strategy)); }

namespace internal {

Recommendation FromStrategy(Strategy strategy) {
  switch (strategy) {
    case Strategy::kRag:
      return Recommendation::kRag;
    case Strategy::kFineTuning:
      return Recommendation::kFineTuning;
    case Strategy::kHybrid:
      return Recommendation::kHybrid;
  }
  return Recommendation::kUndecided;
}

Recommendation Decide(Frequency frequency, Strategy strategy, bool latency_below_threshold,
                      bool explainability_required) {
  switch (frequency) {
    case Frequency::kFast:
      return latency_below_threshold ? Recommendation::kHybrid : Recommendation::kRag;
    case Frequency::kStable:
      if (!explainability_required) return Recommendation::kFineTuning;
      return latency_below_threshold ? Recommendation::kHybrid : Recommendation::kRag;
    case Frequency::kModerate:
      return FromStrategy(strategy);
    case Frequency::kUndecided:
      break;
  }
  return Recommendation::kUndecided;
}

}  // namespace internal

Hysteresis UpdateHysteresis(const Hysteresis& state, Recommendation current, double now,
                            double hold_seconds) {
  Hysteresis next = state;
  if (current == state.published) {
    if (state.candidate != state.published) {
      next.candidate = state.published;
      next.candidate_since = now;
    }
    return next;
  }
  if (current != state.candidate) {
    next.candidate = current;
    next.candidate_since = now;
  }
  // The first decision (published still undecided) waits for `hold_seconds` like any
  // other, and so does a fall back to undecided.
  if (now - next.candidate_since >= hold_seconds) next.published = next.candidate;
  return next;
}

}  // namespace freshd::advisor
