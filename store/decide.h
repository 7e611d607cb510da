// The decision: what a check means given the document's stored record. Pure (no I/O, no
// clock): the previous record and the observation give the outcome, the new record and the
// check to append to the history. Private to store/ (its tests use it).
#pragma once

#include <cstdint>

#include "store/state_store.h"

namespace freshd::store {

// Present: fetched successfully at least once, and not removed since.
bool IsPresent(const DocumentRecord* previous);

struct Decision {
  CheckOutcome outcome = CheckOutcome::kNew;
  DocumentRecord document;  // the record to store (history bounds not yet advanced)
  CheckRecord check;        // the entry to append to the history
};

// `previous` is the stored record (null when there is none, or when it was undecodable);
// `start` is the record to update: a copy of *previous, or a blank one whose history bounds
// continue the stored history. A present document found gone is only kMissing until it has
// been gone on `misses_needed` checks in a row (at least 1).
Decision Decide(const DocumentRecord* previous, DocumentRecord start, const Observation& seen,
                std::uint32_t misses_needed);

}  // namespace freshd::store
