// `freshd status`: the RAG sink (state, chunks, pending operations, lag) and a table of the
// sources of a running daemon, each with its next check or backoff.
#pragma once

#include <string>

namespace freshd::daemon {

// Asks the daemon at `url` and prints; exit code (1 when it cannot be reached).
int StatusCommand(const std::string& url);

}  // namespace freshd::daemon
