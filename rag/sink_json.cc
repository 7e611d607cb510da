#include "rag/sink_json.h"

namespace freshd::rag {

nlohmann::json ChunkMetadataJson(const ChunkMetadata& metadata) {
  return {{"workload", metadata.workload},
          {"source", metadata.source},
          {"uri", metadata.uri},
          {"fetched_at", metadata.fetched_ms},
          {"content_hash", metadata.content_hash}};
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace freshd::rag
