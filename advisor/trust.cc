#include "advisor/trust.h"

#include <cstdio>
#include <string>

namespace freshd::advisor {
namespace {

// Disagreements tolerated among `comparisons` of one kind: 1 in 20, none below 20.
bool TooMany(std::uint64_t disagreements, std::uint64_t comparisons) {
  return disagreements > comparisons / 20;
}

constexpr std::uint64_t kReearn = 20;

bool Successful(CheckKind kind) {
  return kind == CheckKind::kNew || kind == CheckKind::kChanged || kind == CheckKind::kUnchanged;
}

std::string Counts(const DateEvidence& e) {
  char text[160];
  std::snprintf(text, sizeof text, "%llu agreements, %llu stale dates, %llu stamped dates",
                static_cast<unsigned long long>(e.Agreements()),
                static_cast<unsigned long long>(e.stale),
                static_cast<unsigned long long>(e.stamped));
  return text;
}

}  // namespace

void AddDateEvidence(const std::vector<CheckPoint>& newest_first, DateEvidence* evidence) {
  const CheckPoint* previous = nullptr;  // the last successful check of this life
  bool dated = false;
  for (auto check = newest_first.rbegin(); check != newest_first.rend(); ++check) {
    if (check->kind == CheckKind::kRemoved) previous = nullptr;
    if (!Successful(check->kind)) continue;
    if (check->modified_ms > 0) dated = true;
    if (check->kind == CheckKind::kNew) previous = nullptr;
    if (previous != nullptr && previous->modified_ms > 0 && check->modified_ms > 0) {
      const bool text_changed = check->kind == CheckKind::kChanged;
      const bool date_moved = check->modified_ms != previous->modified_ms;
      if (text_changed) {
        ++(date_moved ? evidence->moved_with_text : evidence->stale);
      } else {
        ++(date_moved ? evidence->stamped : evidence->still_with_text);
      }
    }
    previous = &*check;
  }
  if (dated) ++evidence->documents;
}

Trust JudgeTrust(const DateEvidence& e, bool caught_before) {
  if (e.documents == 0) return {false, false, "reports no modification dates"};
  if (TooMany(e.stale, e.stale + e.moved_with_text)) {
    return {false, true, "dates stay old while the text changes (" + Counts(e) + ")"};
  }
  if (TooMany(e.stamped, e.stamped + e.still_with_text)) {
    return {false, true,
            "dates move while the text stays the same, as if stamped with the current "
            "time (" +
                Counts(e) + ")"};
  }
  if (caught_before && (e.moved_with_text < kReearn || e.Disagreements() > 0)) {
    return {false, true,
            "caught disagreeing before, and not yet " + std::to_string(kReearn) +
                " changes whose dates moved with the text since (" + Counts(e) + ")"};
  }
  if (e.Agreements() == 0) {
    return {false, false, "no evidence yet: a document with a date needs a second check"};
  }
  return {true, false, "dates agree with what freshd observed (" + Counts(e) + ")"};
}

}  // namespace freshd::advisor
