#include "rag/sink_json.h"

namespace freshd::rag {

nlohmann::json ChunkMetadataJson(const IndexOperation& upsert) {
  const ChunkMetadata& metadata = upsert.metadata;
  nlohmann::json json = {{"workload", metadata.workload},
                         {"source", metadata.source},
                         {"uri", metadata.uri},
                         {"fetched_at", metadata.fetched_ms},
                         {"content_hash", metadata.content_hash}};
  if (!metadata.revision.empty()) json["revision"] = metadata.revision;
  if (!metadata.path.empty()) json["path"] = metadata.path;
  if (!metadata.link.empty()) json["link"] = metadata.link;
  if (upsert.page > 0) json["page"] = upsert.page;
  if (!upsert.heading.empty()) json["heading"] = upsert.heading;
  return json;
}

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace freshd::rag
