// The operations every sink test applies: chunks of two policy pages, with metadata.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "rag/sink.h"

namespace freshd::rag {

inline SinkOperation Upsert(const std::string& id, const std::string& text, const std::string& uri,
                            Vector vector) {
  SinkOperation upsert;
  upsert.operation.kind = IndexOperation::Kind::kUpsert;
  upsert.operation.chunk_id = id;
  upsert.operation.text = text;
  upsert.operation.metadata = {"support-policies", "policy-pages", uri, 1767225600123,
                               "hash-" + uri};
  upsert.vector = std::move(vector);
  return upsert;
}

// `upsert` with a location in its document (a PDF page, a heading path).
inline SinkOperation Located(SinkOperation upsert, std::uint32_t page, std::string heading) {
  upsert.operation.page = page;
  upsert.operation.heading = std::move(heading);
  return upsert;
}

inline SinkOperation Delete(const std::string& id, const std::string& uri) {
  SinkOperation deletion;
  deletion.operation.kind = IndexOperation::Kind::kDelete;
  deletion.operation.chunk_id = id;
  deletion.operation.metadata.source = "policy-pages";
  deletion.operation.metadata.uri = uri;
  return deletion;
}

inline const std::string kRefunds = "https://example.com/policies/refund";
inline const std::string kShipping = "https://example.com/policies/shipping";

}  // namespace freshd::rag
