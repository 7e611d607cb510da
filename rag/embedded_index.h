// The embedded sink (the default): chunks, their vectors and a lexical index kept in
// freshd's own RocksDB (the tables Tables::search_chunks and
// Tables::search_terms, rag/tables.h), searchable with a
// hybrid of BM25, vector similarity and phrase matching. Needs no other service.
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
#include "rag/tables.h"
#include "store/state_store.h"

namespace freshd::rag {

struct SearchHit {
  std::string chunk_id;
  double score = 0;     // the hybrid score results are ordered by (higher is better), 0..1
  double lexical = 0;   // BM25
  double vector = 0;    // cosine similarity with the query's vector (0 without vectors)
  bool phrase = false;  // the chunk holds the query's words in order, as one run
  std::string text;
  ChunkMetadata metadata;
  std::uint32_t page = 0;  // where the chunk stands in its document (0, "": not known)
  std::string heading{};
};

struct EmbeddedIndexOptions {
  // A query reads at most this many postings of a term. A term in more chunks is "common":
  // it does not choose the candidates (unless every term of the query is common), and its
  // BM25 is counted for each candidate from the candidate's own text.
  std::size_t max_postings_per_term = 20000;
  // The chunks re-ranked, the best by BM25. A fixed number, so that the first n results of a
  // query are the same for every k from n up to it: twice the most the daemon asks for (100).
  // Each costs a read of the chunk (bench/search.cc: 500 would make a query on 364,000
  // chunks about twice as slow, for 0.6% more pasted paragraphs finding their own chunk).
  std::size_t candidates = 200;
};

class EmbeddedIndex : public Sink {
 public:
  // `store` was opened with the RAG side's tables (DeclareTables); otherwise every method
  // fails with InvalidArgument.
  explicit EmbeddedIndex(store::StateStore& store, EmbeddedIndexOptions options = {});

  std::string_view kind() const override { return "embedded"; }
  Status Apply(const std::vector<SinkOperation>& batch) override;
  Result<std::vector<std::string>> ListChunkIds() override;

  // Chunks held; cheap (no scan).
  std::uint64_t ChunkCount() const;

  // The top `k` chunks for `query`. The candidates are the best max(options.candidates, k)
  // chunks by BM25; they are ranked by
  //   score = (phrase + relevance) / 2,
  //   relevance = (BM25 / the best candidate's BM25 + max(0, cosine)) / 2
  // where phrase is 1 when the chunk holds the query's words in order and 0 otherwise, and
  // the cosine is that of `query_vector` with the chunk's vector (relevance is BM25's share
  // alone when `query_vector` is empty). So a chunk that holds the query as written comes
  // before those that do not, and a pasted paragraph finds its own chunk before a shorter
  // near-copy of it. A chunk with none of the query's rare terms is not a candidate; when
  // every term is common, the candidates come from a sample of the store (see
  // embedded_index.cc, FirstPassScores). Fails when the store cannot be read: an empty
  // answer always means no chunk matched.
  Result<std::vector<SearchHit>> Search(std::string_view query, const Vector& query_vector,
                                        std::size_t k) const;

 private:
  store::StateStore& store_;
  Tables tables_;
  EmbeddedIndexOptions options_;
  std::atomic<std::uint64_t> chunk_count_{0};
};

}  // namespace freshd::rag
