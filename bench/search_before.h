// The embedded sink's search as it was before issue 9 (item 4), kept only as the search
// benchmark's baseline: BM25 over the postings of every query term, each read up to 20,000
// in chunk-id order; the best max(50, 5k) re-ranked by 0.5 BM25 / the best BM25 + 0.5
// cosine. It reads the same records as rag/embedded_index.cc.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "rag/embedded_index.h"
#include "store/state_store.h"

namespace freshd::bench {

std::vector<rag::SearchHit> SearchBefore(const store::StateStore& store, std::string_view query,
                                         const rag::Vector& query_vector, std::size_t k);

}  // namespace freshd::bench
