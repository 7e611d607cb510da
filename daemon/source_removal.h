// What happens when sources leave the configuration (DESIGN.md 8a): a reload that would
// drop too many of the watched documents at once is refused, and the chunks of a source
// that left stay in the RAG sink for `rag_store.removed_source_grace`, so that a mistaken
// edit put right in time deletes nothing. Pure functions: the daemon stores the roster.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "watchers/listing_guard.h"

namespace freshd::daemon {

// Below this many documents, no share of them is "too many" to drop: the listing guard's
// floor.
constexpr std::size_t kDropGuardMinimumDocuments = watchers::kListingDropMinimumDocuments;

// Why a reload from sources with `documents_by_source` (present documents of each source
// configured now) to `next` is refused: it takes out sources holding more than
// next.defaults.max_listing_drop of all documents. Empty when it may go ahead.
std::string RefuseSourceRemoval(const std::map<std::string, std::int64_t>& documents_by_source,
                                const config::Config& next);

// Every source the RAG side may hold chunks of, with the time it left the configuration
// (0 while it is configured).
using SourceRoster = std::map<std::string, std::int64_t>;

// One line a source, "NAME\tLEFT_MS"; a line without the tab (the format before the grace
// existed) is a configured source.
std::string EncodeRoster(const SourceRoster& roster);
SourceRoster DecodeRoster(std::string_view text);

struct RosterUpdate {
  SourceRoster next;                           // to be stored
  std::vector<std::string> left;               // left the configuration now: their grace starts
  std::vector<std::string> returned;           // came back within their grace: nothing is deleted
  std::vector<std::string> expired;            // grace over: their chunks are to be deleted
  std::optional<std::int64_t> next_expiry_ms;  // when the next grace ends, if one runs
};

// The roster after a configuration naming `configured` is installed at `now_ms`.
RosterUpdate UpdateRoster(const SourceRoster& before, const std::set<std::string>& configured,
                          std::int64_t now_ms, std::int64_t grace_ms);

}  // namespace freshd::daemon
