// The trust of a source's reported dates, from consecutive checks (advisor/trust.h).
#include "advisor/trust.h"

#include <catch2/catch.hpp>
#include <vector>

namespace freshd::advisor {
namespace {

constexpr std::int64_t kOld = 1'717'200'000'000;  // 2024-06-01, Unix ms

std::vector<CheckPoint> NewestFirst(std::vector<CheckPoint> oldest_first) {
  return {oldest_first.rbegin(), oldest_first.rend()};
}

CheckPoint At(double seconds, CheckKind kind, std::int64_t modified_ms) {
  return {static_cast<std::int64_t>((1.8e9 + seconds) * 1000), kind, modified_ms};
}

DateEvidence Evidence(std::vector<CheckPoint> oldest_first) {
  DateEvidence evidence;
  AddDateEvidence(NewestFirst(std::move(oldest_first)), &evidence);
  return evidence;
}

TEST_CASE("the second check of an unchanged page with the same date is an agreement", "[trust]") {
  const DateEvidence evidence =
      Evidence({At(0, CheckKind::kNew, kOld), At(900, CheckKind::kUnchanged, kOld)});
  CHECK(evidence.documents == 1);
  CHECK(evidence.still_with_text == 1);
  CHECK(evidence.Disagreements() == 0);
  const Trust trust = JudgeTrust(evidence);
  CHECK(trust.trusted);
  CHECK_FALSE(trust.disagreed);
}

TEST_CASE("a text change with a moved date agrees and one with an old date disagrees", "[trust]") {
  const DateEvidence truthful =
      Evidence({At(0, CheckKind::kNew, kOld), At(900, CheckKind::kChanged, kOld + 600'000)});
  CHECK(truthful.moved_with_text == 1);
  CHECK(JudgeTrust(truthful).trusted);

  const DateEvidence lying =
      Evidence({At(0, CheckKind::kNew, kOld), At(900, CheckKind::kUnchanged, kOld),
                At(1800, CheckKind::kChanged, kOld)});
  CHECK(lying.still_with_text == 1);
  CHECK(lying.stale == 1);
  const Trust trust = JudgeTrust(lying);
  CHECK_FALSE(trust.trusted);
  CHECK(trust.disagreed);
  CHECK(trust.why.find("stay old") != std::string::npos);
}

TEST_CASE("a server stamping the current time disagrees at its second check", "[trust]") {
  const DateEvidence stamped = Evidence({At(0, CheckKind::kNew, 1'800'000'000'000),
                                         At(900, CheckKind::kUnchanged, 1'800'000'900'000)});
  CHECK(stamped.stamped == 1);
  const Trust trust = JudgeTrust(stamped);
  CHECK_FALSE(trust.trusted);
  CHECK(trust.disagreed);
  CHECK(trust.why.find("stamped") != std::string::npos);
}

TEST_CASE("no dates or a single check give no trust and no disagreement", "[trust]") {
  const Trust none =
      JudgeTrust(Evidence({At(0, CheckKind::kNew, 0), At(9, CheckKind::kChanged, 0)}));
  CHECK_FALSE(none.trusted);
  CHECK_FALSE(none.disagreed);
  const Trust one_check = JudgeTrust(Evidence({At(0, CheckKind::kNew, kOld)}));
  CHECK_FALSE(one_check.trusted);
  CHECK_FALSE(one_check.disagreed);
}

TEST_CASE("errors are skipped and a removal ends the chain of comparisons", "[trust]") {
  const DateEvidence evidence =
      Evidence({At(0, CheckKind::kNew, kOld), At(10, CheckKind::kError, 0),
                At(20, CheckKind::kUnchanged, kOld), At(30, CheckKind::kRemoved, 0),
                At(40, CheckKind::kNew, kOld + 5000), At(50, CheckKind::kUnchanged, kOld + 5000)});
  CHECK(evidence.still_with_text == 2);  // across the error, and in the second life
  CHECK(evidence.Disagreements() == 0);  // the return with a new date is no comparison
}

TEST_CASE("one stale date in twenty changes is tolerated and one in ten is not", "[trust]") {
  DateEvidence evidence;
  evidence.documents = 1;
  evidence.moved_with_text = 19;
  evidence.stale = 1;
  CHECK(JudgeTrust(evidence).trusted);
  evidence.moved_with_text = 9;
  CHECK_FALSE(JudgeTrust(evidence).trusted);
  // Many agreements of the other kind do not hide a stale date.
  evidence.still_with_text = 1000;
  CHECK_FALSE(JudgeTrust(evidence).trusted);
}

}  // namespace
}  // namespace freshd::advisor

namespace freshd::advisor {
namespace {

TEST_CASE("a source caught before needs twenty dated changes to be trusted again", "[trust]") {
  DateEvidence unchanged_only;
  unchanged_only.documents = 1;
  unchanged_only.still_with_text = 500;
  CHECK(JudgeTrust(unchanged_only).trusted);
  const Trust caught = JudgeTrust(unchanged_only, /*caught_before=*/true);
  CHECK_FALSE(caught.trusted);
  CHECK(caught.disagreed);

  DateEvidence changes = unchanged_only;
  changes.moved_with_text = 20;
  CHECK(JudgeTrust(changes, true).trusted);
  changes.stamped = 1;  // tolerated at first sight (1 in 521), not after being caught
  CHECK(JudgeTrust(changes).trusted);
  CHECK_FALSE(JudgeTrust(changes, true).trusted);
}

}  // namespace
}  // namespace freshd::advisor
