// The command-line side of the RAG store: `freshd search` and `freshd reconcile`, both asking
// a running daemon over its HTTP API.
#pragma once

#include <cstddef>
#include <string>

namespace freshd::daemon {

// Prints the top `k` chunks of the embedded store for `query`. Exit code.
int SearchCommand(const std::string& url, const std::string& query, std::size_t k);

// Has the daemon compare its sink with what it believes the sink holds, and queue repairs.
int ReconcileCommand(const std::string& url);

}  // namespace freshd::daemon
