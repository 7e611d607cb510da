#include "store/decide.h"

#include <limits>
#include <string>
#include <utility>

namespace freshd::store {

bool IsPresent(const DocumentRecord* previous) {
  return previous != nullptr && !previous->removed && !previous->content_hash.empty();
}

namespace {

CheckOutcome ApplyFetched(const DocumentRecord* previous, const Observation& seen,
                          DocumentRecord* doc) {
  CheckOutcome outcome = CheckOutcome::kNew;  // a removed document coming back is new too
  if (IsPresent(previous)) {
    outcome = previous->content_hash == seen.content_hash ? CheckOutcome::kUnchanged
                                                          : CheckOutcome::kChanged;
  }
  doc->content_hash = seen.content_hash;
  doc->etag = seen.etag;
  doc->last_modified = seen.last_modified;
  doc->modified_ms = seen.modified_ms;
  doc->unsupported = seen.unsupported;
  doc->revision = seen.revision;
  doc->path = seen.path;
  doc->link = seen.link;
  doc->removed = false;
  if (outcome == CheckOutcome::kChanged) ++doc->changes;
  if (outcome != CheckOutcome::kUnchanged) doc->last_change_ms = seen.time_ms;
  return outcome;
}

void ApplyError(const Observation& seen, DocumentRecord* doc) {
  ++doc->errors;
  if (doc->consecutive_errors < std::numeric_limits<std::uint32_t>::max()) {
    ++doc->consecutive_errors;
  }
  doc->last_error = seen.error_reason;
  if (!seen.error_message.empty()) {
    doc->last_error += doc->last_error.empty() ? seen.error_message : ": " + seen.error_message;
  }
}

void ApplyGone(const DocumentRecord* previous, const Observation& seen, DocumentRecord* doc) {
  // Only the transition counts as a change; "still gone" is a check and nothing more.
  if (IsPresent(previous)) {
    ++doc->changes;
    doc->last_change_ms = seen.time_ms;
  }
  doc->removed = true;
  doc->etag.clear();
  doc->last_modified.clear();
}

// A present document found gone is only missing until it has been gone on `misses_needed`
// checks in a row: a glitch of the server or of a listing must not delete it.
CheckOutcome DecideGone(const DocumentRecord* previous, const Observation& seen,
                        std::uint32_t misses_needed, DocumentRecord* doc) {
  if (IsPresent(previous) && doc->consecutive_misses + 1 < misses_needed) {
    ++doc->consecutive_misses;
    if (!seen.error_reason.empty()) ApplyError(seen, doc);
    return CheckOutcome::kMissing;
  }
  ApplyGone(previous, seen, doc);
  return CheckOutcome::kRemoved;
}

}  // namespace

Decision Decide(const DocumentRecord* previous, DocumentRecord doc, const Observation& seen,
                std::uint32_t misses_needed) {
  if (previous == nullptr) doc.first_seen_ms = seen.time_ms;
  ++doc.checks;
  doc.last_check_ms = seen.time_ms;
  CheckOutcome outcome = CheckOutcome::kNotModified;
  switch (seen.kind) {
    case Observation::Kind::kFetched:
      outcome = ApplyFetched(previous, seen, &doc);
      break;
    case Observation::Kind::kNotModified:
      outcome = CheckOutcome::kNotModified;
      break;
    case Observation::Kind::kError:
      outcome = CheckOutcome::kError;
      ApplyError(seen, &doc);
      break;
    case Observation::Kind::kGone:
      outcome = DecideGone(previous, seen, misses_needed, &doc);
      break;
  }
  if (outcome != CheckOutcome::kError && outcome != CheckOutcome::kMissing) {
    doc.consecutive_errors = 0;
    doc.last_error.clear();
  }
  if (seen.kind != Observation::Kind::kGone) doc.consecutive_misses = 0;
  CheckRecord check;
  check.time_ms = seen.time_ms;
  check.outcome = outcome;
  if (outcome == CheckOutcome::kError || outcome == CheckOutcome::kMissing) {
    check.error_reason = seen.error_reason;
  }
  if (outcome != CheckOutcome::kError && outcome != CheckOutcome::kRemoved) {
    check.content_hash = doc.content_hash;
    check.modified_ms = doc.modified_ms;
  }
  return {outcome, std::move(doc), std::move(check)};
}

std::string_view ToString(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kNew:
      return "new";
    case CheckOutcome::kChanged:
      return "changed";
    case CheckOutcome::kUnchanged:
      return "unchanged";
    case CheckOutcome::kNotModified:
      return "not_modified";
    case CheckOutcome::kError:
      return "error";
    case CheckOutcome::kRemoved:
      return "removed";
    case CheckOutcome::kMissing:
      return "missing";
  }
  return "unknown";
}

}  // namespace freshd::store
