// JSON shared by the external sinks (chroma, postgres, webhook).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "rag/operations.h"

namespace freshd::rag {

// The metadata of an upserted chunk, in the convention LangChain's and LlamaIndex's loaders
// share, so that a retriever cites the document and not freshd's name for where it came from:
//   "source"         the document: its URL, or its path for a directory source
//   "freshd_source"  the name of the freshd source that watches it; "workload" its workload
//   "fetched_at"     when freshd read this text, RFC 3339 UTC with milliseconds
//   "content_hash"   the hash of the document's normalized text
// and, when known: "page" (an integer from 1), "heading" (the heading path, "Refunds > Window"),
// and for a git file "revision" (the commit read), "path" (in the repository), "link" (the file
// at that commit on its forge).
nlohmann::json ChunkMetadataJson(const IndexOperation& upsert);

// Never throws: bytes that are not UTF-8 (a Latin-1 file in a directory source, say) become
// U+FFFD, rather than failing the batch again and again.
std::string DumpJson(const nlohmann::json& value);

}  // namespace freshd::rag
