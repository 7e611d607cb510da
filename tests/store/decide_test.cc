// The decision alone: previous record + observation -> outcome and new record. No RocksDB.
#include "store/decide.h"

#include <catch2/catch.hpp>

#include "tests/store/store_test_util.h"

namespace freshd::store {
namespace {

using testing::Failed;
using testing::Fetched;
using testing::Gone;
using testing::NotModified;

// Decides `seen` after `previous` (none when null), as the store does.
Decision After(const DocumentRecord* previous, const Observation& seen,
               std::uint32_t misses_needed = 2) {
  return Decide(previous, previous ? *previous : DocumentRecord{}, seen, misses_needed);
}

TEST_CASE("decide: a first fetch is new, then the hash says unchanged or changed") {
  const Decision first = After(nullptr, Fetched(1000, "h1", "\"e1\"", 900));
  CHECK(first.outcome == CheckOutcome::kNew);
  CHECK(first.document.first_seen_ms == 1000);
  CHECK(first.document.last_change_ms == 1000);
  CHECK(first.document.etag == "\"e1\"");
  CHECK(first.document.changes == 0);
  CHECK(first.check.content_hash == "h1");

  const Decision same = After(&first.document, Fetched(2000, "h1"));
  CHECK(same.outcome == CheckOutcome::kUnchanged);
  CHECK(same.document.last_change_ms == 1000);
  CHECK(same.document.first_seen_ms == 1000);
  CHECK(same.document.checks == 2);

  const Decision edited = After(&same.document, Fetched(3000, "h2"));
  CHECK(edited.outcome == CheckOutcome::kChanged);
  CHECK(edited.document.changes == 1);
  CHECK(edited.document.last_change_ms == 3000);
  CHECK(edited.check.content_hash == "h2");
}

TEST_CASE("decide: errors keep what was known and are counted in a row") {
  const Decision fetched = After(nullptr, Fetched(1000, "h1"));
  const Decision failed = After(&fetched.document, Failed(2000, "timeout", "slow"));
  CHECK(failed.outcome == CheckOutcome::kError);
  CHECK(failed.document.content_hash == "h1");
  CHECK(failed.document.consecutive_errors == 1);
  CHECK(failed.document.last_error == "timeout: slow");
  CHECK(failed.check.error_reason == "timeout");
  CHECK(failed.check.content_hash.empty());
  const Decision again = After(&failed.document, Failed(3000, "dns", ""));
  CHECK(again.document.consecutive_errors == 2);
  CHECK(again.document.errors == 2);
  const Decision recovered = After(&again.document, NotModified(4000));
  CHECK(recovered.outcome == CheckOutcome::kNotModified);
  CHECK(recovered.document.consecutive_errors == 0);
  CHECK(recovered.document.last_error.empty());
}

TEST_CASE("decide: a present document is missing before it is removed, then new again") {
  const Decision fetched = After(nullptr, Fetched(1000, "h1", "\"e\""));
  const Decision missing = After(&fetched.document, Gone(2000), 2);
  CHECK(missing.outcome == CheckOutcome::kMissing);
  CHECK_FALSE(missing.document.removed);
  CHECK(missing.document.consecutive_misses == 1);
  const Decision removed = After(&missing.document, Gone(3000), 2);
  CHECK(removed.outcome == CheckOutcome::kRemoved);
  CHECK(removed.document.removed);
  CHECK(removed.document.etag.empty());
  CHECK(removed.document.changes == 1);  // the removal is a change
  CHECK(removed.check.content_hash.empty());
  const Decision still = After(&removed.document, Gone(4000), 2);
  CHECK(still.outcome == CheckOutcome::kRemoved);
  CHECK(still.document.changes == 1);  // "still gone" is no change
  const Decision back = After(&still.document, Fetched(5000, "h1"));
  CHECK(back.outcome == CheckOutcome::kNew);
  CHECK_FALSE(back.document.removed);
  CHECK(back.document.consecutive_misses == 0);
}

TEST_CASE("decide: with one miss needed a present document is removed at once") {
  const Decision fetched = After(nullptr, Fetched(1000, "h1"));
  CHECK(After(&fetched.document, Gone(2000), 1).outcome == CheckOutcome::kRemoved);
  CHECK(After(nullptr, Gone(2000), 2).outcome == CheckOutcome::kRemoved);  // never present
}

TEST_CASE("decide: a blank start keeps the history bounds it is given") {
  DocumentRecord blank;
  blank.history_oldest_seq = 4;
  blank.history_next_seq = 9;
  const Decision decided = Decide(nullptr, blank, Fetched(1000, "h"), 2);
  CHECK(decided.outcome == CheckOutcome::kNew);
  CHECK(decided.document.history_oldest_seq == 4);
  CHECK(decided.document.history_next_seq == 9);
  CHECK(decided.document.checks == 1);
}

}  // namespace
}  // namespace freshd::store
