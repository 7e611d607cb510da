// What the daemon keeps in memory per source: a few counters, never per document (those
// live in the store). Rebuilt from the store at start-up, then updated by every check.
#pragma once

#include <cstdint>
#include <string>

namespace freshd::daemon {

struct SourceState {
  std::int64_t documents = 0;  // present (not removed) documents
  std::uint64_t checks = 0;
  std::uint64_t changes = 0;
  std::uint64_t errors = 0;
  std::int64_t last_check_ms = 0;
  std::int64_t last_change_ms = 0;
  // Health of the source-level fetch (the page, the listing or the folder scan).
  bool failing = false;
  std::string last_error;               // "reason: message"
  std::uint32_t documents_failing = 0;  // documents whose last check failed
};

}  // namespace freshd::daemon
