// The commit history of a git source's files (DESIGN.md 6.2, 8a), kept in the state store's
// values for the advisor: "a repository watched for an hour has a recommendation backed by
// years of commits". Keys "git/history/<source>\n<uri>" hold the file's commit times (Unix
// ms, oldest first, comma-separated); "git/walked/<source>" the commit the history was
// read up to (and the source's `paths` then), so that a later fetch reads only the commits
// it brought.
//
// Threads: reads and writes go to the store: call them on a worker.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/state_store.h"

namespace freshd::daemon {

std::string GitHistoryKey(const std::string& source, const std::string& uri);
std::string GitWalkedKey(const std::string& source);

std::string EncodeCommitTimes(const std::vector<std::int64_t>& oldest_first);
// Times that do not parse are skipped: the history is evidence, not state.
std::vector<std::int64_t> DecodeCommitTimes(const std::string& text);

// The file's commit times, oldest first; empty when none are stored (or unreadable: a
// failed read costs the evidence, never the check).
std::vector<std::int64_t> LoadCommitTimes(const store::StateStore& store, const std::string& source,
                                          const std::string& uri);

// Adds `newest_first` (a walk's times, all newer than the stored ones unless `replace`) to
// the file's stored times.
Status StoreCommitTimes(store::StateStore& store, const std::string& source, const std::string& uri,
                        const std::vector<std::int64_t>& newest_first, bool replace);

}  // namespace freshd::daemon
