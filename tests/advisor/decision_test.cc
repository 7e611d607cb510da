#include <catch2/catch.hpp>
#include <string>

#include "advisor/advisor.h"

namespace adv = freshd::advisor;
using adv::Recommendation;

TEST_CASE("names of frequencies and recommendations") {
  CHECK(std::string(adv::ToString(adv::Frequency::kModerate)) == "moderate");
  CHECK(std::string(adv::ToString(Recommendation::kFineTuning)) == "fine_tuning");
  CHECK(std::string(adv::ToString(adv::Strategy::kHybrid)) == "hybrid");
}

TEST_CASE("hysteresis: a new recommendation holds for hold_for, then is published") {
  adv::Hysteresis s;
  s.published = Recommendation::kRag;
  s.candidate = Recommendation::kRag;
  s = adv::UpdateHysteresis(s, Recommendation::kFineTuning, 1000, 100);
  CHECK(s.published == Recommendation::kRag);
  CHECK(s.candidate == Recommendation::kFineTuning);
  CHECK(s.candidate_since == 1000);
  s = adv::UpdateHysteresis(s, Recommendation::kFineTuning, 1099, 100);
  CHECK(s.published == Recommendation::kRag);
  CHECK(s.candidate_since == 1000);
  s = adv::UpdateHysteresis(s, Recommendation::kFineTuning, 1100, 100);
  CHECK(s.published == Recommendation::kFineTuning);
}

TEST_CASE("hysteresis: the first decision also waits for hold_for") {
  adv::Hysteresis s;
  s = adv::UpdateHysteresis(s, Recommendation::kRag, 0, 50);
  CHECK(s.published == Recommendation::kUndecided);
  s = adv::UpdateHysteresis(s, Recommendation::kRag, 49, 50);
  CHECK(s.published == Recommendation::kUndecided);
  s = adv::UpdateHysteresis(s, Recommendation::kRag, 50, 50);
  CHECK(s.published == Recommendation::kRag);
}

TEST_CASE("hysteresis: flapping never publishes") {
  adv::Hysteresis s;
  s.published = s.candidate = Recommendation::kRag;
  for (int i = 0; i < 100; ++i) {
    const auto current = i % 3 == 0   ? Recommendation::kFineTuning
                         : i % 3 == 1 ? Recommendation::kHybrid
                                      : Recommendation::kRag;
    s = adv::UpdateHysteresis(s, current, i * 10.0, 25);
    CHECK(s.published == Recommendation::kRag);
  }
}

TEST_CASE("hysteresis: returning to the published one resets the candidate") {
  adv::Hysteresis s;
  s.published = s.candidate = Recommendation::kRag;
  s = adv::UpdateHysteresis(s, Recommendation::kHybrid, 0, 100);
  s = adv::UpdateHysteresis(s, Recommendation::kRag, 60, 100);
  CHECK(s.candidate == Recommendation::kRag);
  CHECK(s.published == Recommendation::kRag);
  s = adv::UpdateHysteresis(s, Recommendation::kHybrid, 80, 100);
  CHECK(s.candidate_since == 80);  // the hold starts again
  s = adv::UpdateHysteresis(s, Recommendation::kHybrid, 150, 100);
  CHECK(s.published == Recommendation::kRag);
  s = adv::UpdateHysteresis(s, Recommendation::kHybrid, 180, 100);
  CHECK(s.published == Recommendation::kHybrid);
}

TEST_CASE("hysteresis: nothing moves when the recommendation stays the published one") {
  adv::Hysteresis s;
  s.published = s.candidate = Recommendation::kFineTuning;
  s.candidate_since = 5;
  const auto next = adv::UpdateHysteresis(s, Recommendation::kFineTuning, 1000, 10);
  CHECK(next.published == s.published);
  CHECK(next.candidate == s.candidate);
  CHECK(next.candidate_since == 5);
}
