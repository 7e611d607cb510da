// JSON shared by the external sinks (chroma, postgres, webhook).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "rag/operations.h"

namespace freshd::rag {

// The metadata of an upserted chunk: {"workload", "source", "uri", "fetched_at" (ms since the
// Unix epoch), "content_hash"}, and where the chunk stands when known: "page" (an integer
// from 1) when it has one, "heading" (the heading path, "Refunds > Window") when it has one.
nlohmann::json ChunkMetadataJson(const IndexOperation& upsert);

// Never throws: bytes that are not UTF-8 (a Latin-1 file in a directory source, say) become
// U+FFFD, rather than failing the batch again and again.
std::string DumpJson(const nlohmann::json& value);

}  // namespace freshd::rag
