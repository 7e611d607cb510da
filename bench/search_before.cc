#include "bench/search_before.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "bench/must.h"
#include "rag/embedded_ranking.h"
#include "rag/embedded_records.h"
#include "rag/tables.h"
#include "rag/words.h"

namespace freshd::bench {

using rag::SearchHit;
using rag::Vector;
using rag::Words;

namespace {

using rag::embedded::ChunkRecord;
using rag::embedded::IndexStats;
using rag::embedded::Posting;

// The embedded index's tables (a lookup of a few names: the old code had them at hand).
// BM25 and the cosine are the index's own (rag/embedded_ranking.h): the two searches differ
// in which candidates they read and re-rank, not in how they score them.
rag::Tables TablesIn(const store::StateStore& store) { return bench::Must(rag::FindTables(store)); }

// A query reads at most this many postings per term, so that a term in most chunks costs a
// bounded scan. Past the cap, the postings read are those of the lowest chunk ids (not the
// best ones) and the term's document frequency is undercounted; with words that common
// (stop words aside) the other query terms decide the ranking anyway.
constexpr std::size_t kMaxPostingsPerTerm = 20000;
// Candidates for re-ranking by vector: the best max(50, 5k) by BM25.
constexpr std::size_t kMinCandidates = 50;
constexpr std::size_t kCandidatesPerResult = 5;
// Longer "words" (base64, unbroken runs of CJK text) are not indexed: they would never match
// a query, and only bloat the keys.
constexpr std::size_t kMaxTermBytes = 64;

// Lucene's English stop words, sorted.
constexpr std::array<std::string_view, 33> kStopWords = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};
static_assert(std::ranges::is_sorted(kStopWords));

bool IsIndexed(std::string_view word) {
  return word.size() <= kMaxTermBytes && !std::ranges::binary_search(kStopWords, word);
}

std::vector<std::string> QueryTerms(std::string_view query) {
  std::vector<std::string> terms = Words(query);
  std::erase_if(terms, [](const std::string& term) { return !IsIndexed(term); });
  std::ranges::sort(terms);
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

// Only when the stats record is corrupt: counts what the chunk records say.
IndexStats RecountStats(const store::StateStore& store) {
  IndexStats stats;
  bench::Must(store.Scan(TablesIn(store).search_chunks, "", "",
                         [&](std::string_view, std::string_view value) {
                           ++stats.chunks;
                           if (auto chunk = rag::embedded::DecodeChunk(value))
                             stats.words += chunk->words;
                           return true;
                         }));
  return stats;
}

IndexStats LoadStats(const store::StateStore& store) {
  Result<std::string> bytes = store.Get(TablesIn(store).search_terms, rag::embedded::kStatsKey);
  if (bytes.status().IsNotFound()) return {};
  bench::Must(bytes.status());
  if (auto stats = rag::embedded::DecodeStats(*bytes)) return *stats;
  return RecountStats(store);
}

// Adds each chunk's BM25 for `term` to `scores`.
void ScoreTerm(const store::StateStore& store, const std::string& term, const IndexStats& stats,
               std::unordered_map<std::string, double>& scores) {
  const std::string prefix = rag::embedded::PostingPrefix(term);
  std::vector<std::pair<std::string, Posting>> postings;
  bench::Must(store.Scan(
      TablesIn(store).search_terms, prefix, "", [&](std::string_view key, std::string_view value) {
        if (auto posting = rag::embedded::DecodePosting(value)) {
          postings.emplace_back(std::string(key.substr(prefix.size())), *posting);
        }
        return postings.size() < kMaxPostingsPerTerm;
      }));
  if (postings.empty()) return;
  const auto frequency = static_cast<double>(postings.size());
  // The stats may lag the postings while a batch is being applied.
  const double chunks = std::max(static_cast<double>(stats.chunks), frequency);
  const double idf = std::log(1 + (chunks - frequency + 0.5) / (frequency + 0.5));
  const double average_words =
      stats.chunks == 0 || stats.words == 0
          ? 1.0
          : static_cast<double>(stats.words) / static_cast<double>(stats.chunks);
  for (const auto& [chunk_id, posting] : postings) {
    scores[chunk_id] += rag::embedded::Bm25(posting, idf, average_words);
  }
}

using Scored = std::pair<std::string, double>;

// Higher score first, then chunk id, so that ties are ordered the same on every call.
bool Better(const Scored& a, const Scored& b) {
  return a.second != b.second ? a.second > b.second : a.first < b.first;
}

bool BetterHit(const SearchHit& a, const SearchHit& b) {
  return a.score != b.score ? a.score > b.score : a.chunk_id < b.chunk_id;
}

std::vector<Scored> Best(std::unordered_map<std::string, double> scores, std::size_t count) {
  std::vector<Scored> best(std::make_move_iterator(scores.begin()),
                           std::make_move_iterator(scores.end()));
  count = std::min(count, best.size());
  std::partial_sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(count), best.end(),
                    Better);
  best.resize(count);
  return best;
}

std::size_t CandidateCount(std::size_t k) {
  const std::size_t per_result =
      k > SIZE_MAX / kCandidatesPerResult ? SIZE_MAX : k * kCandidatesPerResult;
  return std::max(kMinCandidates, per_result);
}

// Loads the candidates (skipping any deleted meanwhile) and gives each its hybrid score.
std::vector<SearchHit> ScoreCandidates(const store::StateStore& store,
                                       const std::vector<Scored>& candidates,
                                       const Vector& query_vector) {
  double max_lexical = 0;
  for (const auto& [chunk_id, lexical] : candidates) max_lexical = std::max(max_lexical, lexical);
  std::vector<SearchHit> hits;
  hits.reserve(candidates.size());
  const store::TableId chunks = TablesIn(store).search_chunks;
  for (const auto& [chunk_id, lexical] : candidates) {
    Result<std::string> bytes = store.Get(chunks, chunk_id);
    if (bytes.status().IsNotFound()) continue;
    bench::Must(bytes.status());
    std::optional<ChunkRecord> chunk = rag::embedded::DecodeChunk(*bytes);
    if (!chunk) continue;
    SearchHit hit;
    hit.chunk_id = chunk_id;
    hit.lexical = lexical;
    const double normalised = max_lexical > 0 ? lexical / max_lexical : 0;
    if (query_vector.empty()) {
      hit.score = normalised;
    } else {
      hit.vector = rag::embedded::Cosine(query_vector, chunk->vector);
      hit.score = 0.5 * normalised + 0.5 * std::max(0.0, hit.vector);
    }
    hit.text = std::move(chunk->text);
    hit.metadata = std::move(chunk->metadata);
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace

std::vector<SearchHit> SearchBefore(const store::StateStore& store, std::string_view query,
                                    const Vector& query_vector, std::size_t k) {
  if (k == 0) return {};
  const std::vector<std::string> terms = QueryTerms(query);
  if (terms.empty()) return {};
  const IndexStats stats = LoadStats(store);
  std::unordered_map<std::string, double> lexical;
  for (const std::string& term : terms) ScoreTerm(store, term, stats, lexical);
  const std::vector<Scored> candidates = Best(std::move(lexical), CandidateCount(k));
  std::vector<SearchHit> hits = ScoreCandidates(store, candidates, query_vector);
  std::ranges::sort(hits, BetterHit);
  if (hits.size() > k) hits.resize(k);
  return hits;
}

}  // namespace freshd::bench
