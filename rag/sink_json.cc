#include "rag/sink_json.h"

#include "common/time_text.h"

namespace freshd::rag {

nlohmann::json ChunkMetadataJson(const IndexOperation& upsert) {
  const ChunkMetadata& metadata = upsert.metadata;
  nlohmann::json json = {
      {"source", metadata.uri},
      {"freshd_source", metadata.source},
      {"workload", metadata.workload},
      {"fetched_at", FormatRfc3339(metadata.fetched_ms, TimePrecision::kMilliseconds)},
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
