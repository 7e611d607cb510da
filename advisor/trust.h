// Whether a source's reported dates (Last-Modified, lastmod, mtime) can stand in for
// observation (DESIGN.md 6.2). Consecutive successful checks of a document that both carry
// a date are compared with what freshd saw:
//   text changed and date moved      -> agreement
//   text same (or 304), date same    -> agreement
//   text changed, date did not move  -> disagreement (a date that stays old: "stale")
//   text same, date moved            -> disagreement (a server stamping the current time)
// Pure computation, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "advisor/history.h"

namespace freshd::advisor {

struct DateEvidence {
  std::uint64_t documents = 0;  // documents that reported a date at all
  std::uint64_t moved_with_text = 0;
  std::uint64_t still_with_text = 0;
  std::uint64_t stale = 0;    // text changed, date did not move
  std::uint64_t stamped = 0;  // text same, date moved

  std::uint64_t Agreements() const { return moved_with_text + still_with_text; }
  std::uint64_t Disagreements() const { return stale + stamped; }
};

// Adds one document's comparisons (its checks newest first, as the store gives them).
// Errors and single misses are skipped (they change neither text nor date); a removal
// ends the chain, and the document's next life starts a new one.
void AddDateEvidence(const std::vector<CheckPoint>& newest_first, DateEvidence* evidence);

struct Trust {
  bool trusted = false;
  bool disagreed = false;  // untrusted because the dates contradicted observation
  std::string why;         // one line, for the log and `freshd explain`
};

// Trusted when the dates agreed at least once and disagreed in at most 1 in 20 of the
// comparisons of each kind (changes; unchanged checks), and never when a kind has fewer
// than 20 comparisons: one stale date among the first changes, or one stamped answer among
// the first unchanged checks, is enough. On day one, the second check of an unchanged page
// is the agreement; a now-stamping server disagrees at its second check; a date that stays
// old is caught by the first change, which the recommendation's hold_for waits for.
// `caught_before`: the source was found disagreeing earlier (the caller keeps that), and the
// disagreement may have left the checks it reads since. Trust then needs the dates to have
// moved with the text at least 20 times, with no disagreement among them: a source whose
// dates lie only when its text changes cannot earn it back with unchanged checks.
Trust JudgeTrust(const DateEvidence& evidence, bool caught_before = false);

}  // namespace freshd::advisor
