// Key encodings of the store's column families. Private to store/ (its tests may use it).
//
// documents: source '\0' uri. history: source '\0' uri '\0' seq (8 bytes, big endian, so
// that a document's checks sort oldest first). outbox: seq (8 bytes, big endian). Sources and
// URIs hold no NUL, so source + '\0' .. source + '\1' bounds exactly one source.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/state_store.h"

namespace freshd::store {

std::string DocumentKeyBytes(const DocumentKey& key);
// The prefix of a document's history keys: its document key and '\0'.
std::string HistoryPrefix(std::string_view document_key);
// The first key after every key that starts with `prefix` (which ends in '\0').
std::string PrefixEnd(std::string_view prefix);
// `prefix` and the sequence number, big endian (the outbox's keys have no prefix).
std::string HistoryKey(std::string_view prefix, std::uint64_t seq);
// The sequence number of a history or outbox key (its last 8 bytes).
std::uint64_t HistorySeq(std::string_view key);
DocumentKey SplitDocumentKey(std::string_view bytes);

// InvalidArgument when a source or URI is empty or holds a NUL.
Status ValidateKey(const DocumentKey& key);
// "source uri", for messages.
std::string Printable(const DocumentKey& key);

}  // namespace freshd::store
