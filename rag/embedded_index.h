// The embedded sink (the default): chunks, their vectors and a lexical index kept in
// freshd's own RocksDB (store tables kSearchChunks and kSearchTerms), searchable with a
// hybrid of BM25 and vector similarity. Needs no other service.
//
// Threads: Apply runs on the delivery thread; Search and ChunkCount may run on any thread
// at the same time.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rag/sink.h"
#include "store/state_store.h"

namespace freshd::rag {

struct SearchHit {
  std::string chunk_id;
  double score = 0;    // the hybrid score results are ordered by (higher is better)
  double lexical = 0;  // BM25
  double vector = 0;   // cosine similarity with the query's vector (0 without vectors)
  std::string text;
  ChunkMetadata metadata;
};

class EmbeddedIndex : public Sink {
 public:
  explicit EmbeddedIndex(store::StateStore& store);

  std::string_view kind() const override { return "embedded"; }
  SinkStatus Apply(const std::vector<SinkOperation>& batch) override;
  ChunkIdList ListChunkIds() override;

  // Chunks held; cheap (no scan).
  std::uint64_t ChunkCount() const;

  // The top `k` chunks for `query`: candidates by BM25 over the lexical index, ranked by a
  // blend of normalised BM25 and the cosine similarity of `query_vector` with each
  // candidate's vector (lexical only when `query_vector` is empty).
  std::vector<SearchHit> Search(std::string_view query, const Vector& query_vector,
                                std::size_t k) const;

 private:
  store::StateStore& store_;
  std::atomic<std::uint64_t> chunk_count_{0};
};

}  // namespace freshd::rag
