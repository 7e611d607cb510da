// Operations and manifests are stored as MessagePack arrays led by a format version: compact,
// and a record written by another version is refused rather than misread.
#include "rag/operations.h"

#include <nlohmann/json.hpp>
#include <unordered_set>

namespace freshd::rag {
namespace {

using nlohmann::json;

constexpr int kFormatVersion = 1;

json EncodeMetadata(const ChunkMetadata& metadata) {
  return json::array({metadata.workload, metadata.source, metadata.uri, metadata.fetched_ms,
                      metadata.content_hash});
}

bool IsStringAt(const json& array, std::size_t index) { return array.at(index).is_string(); }

bool IsIntegerAt(const json& array, std::size_t index) {
  return array.at(index).is_number_integer();
}

std::optional<ChunkMetadata> DecodeMetadata(const json& value) {
  if (!value.is_array() || value.size() != 5 || !IsStringAt(value, 0) || !IsStringAt(value, 1) ||
      !IsStringAt(value, 2) || !IsIntegerAt(value, 3) || !IsStringAt(value, 4)) {
    return std::nullopt;
  }
  return ChunkMetadata{.workload = value[0].get<std::string>(),
                       .source = value[1].get<std::string>(),
                       .uri = value[2].get<std::string>(),
                       .fetched_ms = value[3].get<std::int64_t>(),
                       .content_hash = value[4].get<std::string>()};
}

std::string ToMsgpack(const json& value) {
  const std::vector<std::uint8_t> bytes = json::to_msgpack(value);
  return std::string(bytes.begin(), bytes.end());
}

// The array of `size` elements with kFormatVersion first, or a discarded value.
json FromMsgpack(std::string_view bytes, std::size_t size) {
  json value = json::from_msgpack(bytes.begin(), bytes.end(), /*strict=*/true,
                                  /*allow_exceptions=*/false);
  if (!value.is_array() || value.size() != size || !value[0].is_number_integer() ||
      value[0].get<int>() != kFormatVersion) {
    return json(json::value_t::discarded);
  }
  return value;
}

std::optional<IndexOperation> DecodeOperationOrThrow(std::string_view bytes) {
  const json value = FromMsgpack(bytes, 6);
  if (value.is_discarded() || !value[1].is_number_unsigned() || value[1].get<unsigned>() > 1 ||
      !IsStringAt(value, 2) || !IsStringAt(value, 3) || !IsIntegerAt(value, 5)) {
    return std::nullopt;
  }
  std::optional<ChunkMetadata> metadata = DecodeMetadata(value[4]);
  if (!metadata) return std::nullopt;
  return IndexOperation{.kind = value[1].get<unsigned>() == 0 ? IndexOperation::Kind::kUpsert
                                                              : IndexOperation::Kind::kDelete,
                        .chunk_id = value[2].get<std::string>(),
                        .text = value[3].get<std::string>(),
                        .metadata = std::move(*metadata),
                        .detected_ms = value[5].get<std::int64_t>()};
}

std::optional<DocumentChunks> DecodeDocumentChunksOrThrow(std::string_view bytes) {
  const json value = FromMsgpack(bytes, 3);
  if (value.is_discarded() || !value[2].is_array()) return std::nullopt;
  std::optional<ChunkMetadata> metadata = DecodeMetadata(value[1]);
  if (!metadata) return std::nullopt;
  DocumentChunks document{.metadata = std::move(*metadata), .chunks = {}};
  document.chunks.reserve(value[2].size());
  for (const json& chunk : value[2]) {
    if (!chunk.is_array() || chunk.size() != 2 || !IsStringAt(chunk, 0) || !IsStringAt(chunk, 1)) {
      return std::nullopt;
    }
    document.chunks.push_back({chunk[0].get<std::string>(), chunk[1].get<std::string>()});
  }
  return document;
}

// What a delete carries: which document the chunk belonged to.
ChunkMetadata SourceAndUri(const ChunkMetadata& metadata) {
  ChunkMetadata kept;
  kept.source = metadata.source;
  kept.uri = metadata.uri;
  return kept;
}

std::unordered_set<std::string_view> IdsOf(const DocumentChunks* document) {
  std::unordered_set<std::string_view> ids;
  if (document) {
    for (const Chunk& chunk : document->chunks) ids.insert(chunk.id);
  }
  return ids;
}

}  // namespace

std::string_view ToString(IndexOperation::Kind kind) {
  return kind == IndexOperation::Kind::kUpsert ? "upsert" : "delete";
}

std::vector<IndexOperation> DiffChunks(const DocumentChunks* before, const DocumentChunks* after,
                                       std::int64_t detected_ms) {
  std::vector<IndexOperation> operations;
  std::unordered_set<std::string_view> seen = IdsOf(before);
  if (after) {
    for (const Chunk& chunk : after->chunks) {
      if (!seen.insert(chunk.id).second) continue;  // already stored, or a repeated id
      operations.push_back({.kind = IndexOperation::Kind::kUpsert,
                            .chunk_id = chunk.id,
                            .text = chunk.text,
                            .metadata = after->metadata,
                            .detected_ms = detected_ms});
    }
  }
  if (before) {
    const ChunkMetadata& known = after ? after->metadata : before->metadata;
    std::unordered_set<std::string_view> kept = IdsOf(after);
    for (const Chunk& chunk : before->chunks) {
      if (!kept.insert(chunk.id).second) continue;
      operations.push_back({.kind = IndexOperation::Kind::kDelete,
                            .chunk_id = chunk.id,
                            .text = {},
                            .metadata = SourceAndUri(known),
                            .detected_ms = detected_ms});
    }
  }
  return operations;
}

std::string EncodeOperation(const IndexOperation& operation) {
  const unsigned kind = operation.kind == IndexOperation::Kind::kUpsert ? 0 : 1;
  return ToMsgpack(json::array({kFormatVersion, kind, operation.chunk_id, operation.text,
                                EncodeMetadata(operation.metadata), operation.detected_ms}));
}

std::optional<IndexOperation> DecodeOperation(std::string_view bytes) {
  try {
    return DecodeOperationOrThrow(bytes);
  } catch (const json::exception&) {  // a value out of range for its C++ type
    return std::nullopt;
  }
}

std::string EncodeDocumentChunks(const DocumentChunks& chunks) {
  json list = json::array();
  for (const Chunk& chunk : chunks.chunks) list.push_back(json::array({chunk.id, chunk.text}));
  return ToMsgpack(json::array({kFormatVersion, EncodeMetadata(chunks.metadata), list}));
}

std::optional<DocumentChunks> DecodeDocumentChunks(std::string_view bytes) {
  try {
    return DecodeDocumentChunksOrThrow(bytes);
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::string DocumentChunksKey(std::string_view source, std::string_view uri) {
  std::string key;
  key.reserve(source.size() + 1 + uri.size());
  key.append(source);
  key.push_back('\0');
  key.append(uri);
  return key;
}

}  // namespace freshd::rag
