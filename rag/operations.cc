// Operations and manifests are stored as MessagePack arrays led by a format version: compact,
// and a record written by an unknown version is refused rather than misread.
//
//   operation, format 2: [2, kind, id, text, metadata, detected_ms, page, heading]
//              format 1: [1, kind, id, text, metadata, detected_ms]
//   manifest:            [2 or 1, metadata, [chunk...]]
//     chunk, format 2:   [id, text] without a location, else [id, text, page, heading]
//            format 1:   [id, text]
//   metadata:            [workload, source, uri, fetched_ms, content_hash], and in format 2
//                        revision, path, link after them when any is set
#include "rag/operations.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_set>

namespace freshd::rag {
namespace {

using nlohmann::json;

constexpr int kFormatVersion = 2;
constexpr int kFirstFormatVersion = 1;  // no locations

json EncodeMetadata(const ChunkMetadata& metadata) {
  json encoded = json::array({metadata.workload, metadata.source, metadata.uri, metadata.fetched_ms,
                              metadata.content_hash});
  if (!metadata.revision.empty() || !metadata.path.empty() || !metadata.link.empty()) {
    encoded.push_back(metadata.revision);
    encoded.push_back(metadata.path);
    encoded.push_back(metadata.link);
  }
  return encoded;
}

bool IsStringAt(const json& array, std::size_t index) { return array.at(index).is_string(); }

bool IsIntegerAt(const json& array, std::size_t index) {
  return array.at(index).is_number_integer();
}

std::optional<ChunkMetadata> DecodeMetadata(const json& value) {
  if (!value.is_array() || (value.size() != 5 && value.size() != 8) || !IsStringAt(value, 0) ||
      !IsStringAt(value, 1) || !IsStringAt(value, 2) || !IsIntegerAt(value, 3) ||
      !IsStringAt(value, 4)) {
    return std::nullopt;
  }
  ChunkMetadata metadata{.workload = value[0].get<std::string>(),
                         .source = value[1].get<std::string>(),
                         .uri = value[2].get<std::string>(),
                         .fetched_ms = value[3].get<std::int64_t>(),
                         .content_hash = value[4].get<std::string>()};
  if (value.size() == 8) {
    if (!IsStringAt(value, 5) || !IsStringAt(value, 6) || !IsStringAt(value, 7)) {
      return std::nullopt;
    }
    metadata.revision = value[5].get<std::string>();
    metadata.path = value[6].get<std::string>();
    metadata.link = value[7].get<std::string>();
  }
  return metadata;
}

std::string ToMsgpack(const json& value) {
  const std::vector<std::uint8_t> bytes = json::to_msgpack(value);
  return std::string(bytes.begin(), bytes.end());
}

// The array led by a known format version, or a discarded value.
json FromMsgpack(std::string_view bytes) {
  json value = json::from_msgpack(bytes.begin(), bytes.end(), /*strict=*/true,
                                  /*allow_exceptions=*/false);
  if (!value.is_array() || value.empty() || !value[0].is_number_integer()) {
    return json(json::value_t::discarded);
  }
  const auto version = value[0].get<std::int64_t>();
  if (version != kFormatVersion && version != kFirstFormatVersion) {
    return json(json::value_t::discarded);
  }
  return value;
}

bool IsVersion(const json& value, int version) { return value[0].get<std::int64_t>() == version; }

bool IsPageAt(const json& array, std::size_t index) {
  return array.at(index).is_number_unsigned() &&
         array.at(index).get<std::uint64_t>() <= std::numeric_limits<std::uint32_t>::max();
}

std::optional<IndexOperation> DecodeOperationOrThrow(std::string_view bytes) {
  const json value = FromMsgpack(bytes);
  if (value.is_discarded()) return std::nullopt;
  const bool located = IsVersion(value, kFormatVersion);
  if (value.size() != (located ? 8u : 6u) || !value[1].is_number_unsigned() ||
      value[1].get<std::uint64_t>() > 1 || !IsStringAt(value, 2) || !IsStringAt(value, 3) ||
      !IsIntegerAt(value, 5) || (located && (!IsPageAt(value, 6) || !IsStringAt(value, 7)))) {
    return std::nullopt;
  }
  std::optional<ChunkMetadata> metadata = DecodeMetadata(value[4]);
  if (!metadata) return std::nullopt;
  IndexOperation operation{.kind = value[1].get<unsigned>() == 0 ? IndexOperation::Kind::kUpsert
                                                                 : IndexOperation::Kind::kDelete,
                           .chunk_id = value[2].get<std::string>(),
                           .text = value[3].get<std::string>(),
                           .metadata = std::move(*metadata),
                           .detected_ms = value[5].get<std::int64_t>()};
  if (located) {
    operation.page = value[6].get<std::uint32_t>();
    operation.heading = value[7].get<std::string>();
  }
  return operation;
}

// A manifest's chunk: [id, text], or (format 2) [id, text, page, heading].
std::optional<Chunk> DecodeChunk(const json& chunk, bool located) {
  if (!chunk.is_array() || !(chunk.size() == 2 || (located && chunk.size() == 4)) ||
      !IsStringAt(chunk, 0) || !IsStringAt(chunk, 1)) {
    return std::nullopt;
  }
  Chunk decoded{.id = chunk[0].get<std::string>(), .text = chunk[1].get<std::string>()};
  if (chunk.size() == 4) {
    if (!IsPageAt(chunk, 2) || !IsStringAt(chunk, 3)) return std::nullopt;
    decoded.page = chunk[2].get<std::uint32_t>();
    decoded.heading = chunk[3].get<std::string>();
  }
  return decoded;
}

json EncodeChunk(const Chunk& chunk) {
  if (chunk.page == 0 && chunk.heading.empty()) return json::array({chunk.id, chunk.text});
  return json::array({chunk.id, chunk.text, chunk.page, chunk.heading});
}

std::optional<DocumentChunks> DecodeDocumentChunksOrThrow(std::string_view bytes) {
  const json value = FromMsgpack(bytes);
  if (value.is_discarded() || value.size() != 3 || !value[2].is_array()) return std::nullopt;
  std::optional<ChunkMetadata> metadata = DecodeMetadata(value[1]);
  if (!metadata) return std::nullopt;
  const bool located = IsVersion(value, kFormatVersion);
  DocumentChunks document{.metadata = std::move(*metadata), .chunks = {}};
  document.chunks.reserve(value[2].size());
  for (const json& chunk : value[2]) {
    std::optional<Chunk> decoded = DecodeChunk(chunk, located);
    if (!decoded) return std::nullopt;
    document.chunks.push_back(std::move(*decoded));
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
                            .detected_ms = detected_ms,
                            .page = chunk.page,
                            .heading = chunk.heading});
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
                                EncodeMetadata(operation.metadata), operation.detected_ms,
                                operation.page, operation.heading}));
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
  for (const Chunk& chunk : chunks.chunks) list.push_back(EncodeChunk(chunk));
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
