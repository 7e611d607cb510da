// JSON shared by the external sinks (chroma, postgres, webhook).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "rag/operations.h"

namespace freshd::rag {

// {"workload", "source", "uri", "fetched_at" (ms since the Unix epoch), "content_hash"}.
nlohmann::json ChunkMetadataJson(const ChunkMetadata& metadata);

// Never throws: bytes that are not UTF-8 (a Latin-1 file in a directory source, say) become
// U+FFFD, rather than failing the batch again and again.
std::string DumpJson(const nlohmann::json& value);

}  // namespace freshd::rag
