// The victim of the crash test: records one change after another into the store at
// argv[1], and after each Record() that returned writes its index (4 bytes) to stdout,
// until it is killed. Exits 2 on a failure, so that the test can tell it from a kill.
#include <unistd.h>

#include <cstdint>
#include <string>

#include "store/state_store.h"
#include "tests/store/crash_protocol.h"

int main(int argc, char** argv) {
  using freshd::store::Observation;
  if (argc != 2) return 2;
  freshd::store::StoreOptions options;
  options.history_max_checks = freshd::store::crash::kHistoryBound;
  auto opened = freshd::store::StateStore::Open(argv[1], options);
  if (!opened.ok()) return 2;
  auto store = std::move(opened).value();
  for (std::uint32_t i = 0; i < freshd::store::crash::kMaxRecords; ++i) {
    Observation seen;
    seen.kind = Observation::Kind::kFetched;
    seen.time_ms = freshd::store::crash::TimeOf(i);
    seen.content_hash = freshd::store::crash::HashOf(i);
    if (!store->Record(freshd::store::crash::KeyOf(i), seen).ok()) return 2;
    if (write(STDOUT_FILENO, &i, sizeof(i)) != sizeof(i)) return 2;
  }
  for (;;) pause();  // waits for its SIGKILL
}
