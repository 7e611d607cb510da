#include "rag/embedded_index.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "rag/embedded_ranking.h"
#include "rag/embedded_records.h"
#include "rag/words.h"

namespace freshd::rag {
namespace {

using embedded::ChunkRecord;
using embedded::IndexStats;
using embedded::Posting;

struct IndexedText {
  std::map<std::string, std::uint64_t> term_frequencies;
  std::uint64_t words = 0;
};

IndexedText IndexText(std::string_view text) {
  IndexedText indexed;
  for (std::string& word : Words(text)) {
    if (!embedded::IsIndexed(word)) continue;
    ++indexed.term_frequencies[std::move(word)];
    ++indexed.words;
  }
  return indexed;
}

// Only when the stats record is corrupt: counts what the chunk records say.
Result<IndexStats> RecountStats(const store::StateStore& store, const Tables& tables) {
  IndexStats stats;
  Status scanned =
      store.Scan(tables.search_chunks, "", "", [&](std::string_view, std::string_view value) {
        ++stats.chunks;
        if (auto chunk = embedded::DecodeChunk(value)) stats.words += chunk->words;
        return true;
      });
  if (!scanned.ok()) return scanned;
  return stats;
}

Result<IndexStats> LoadStats(const store::StateStore& store, const Tables& tables) {
  Result<std::string> bytes = store.Get(tables.search_terms, embedded::kStatsKey);
  if (bytes.status().IsNotFound()) return IndexStats{};
  if (!bytes.ok()) return bytes.status();
  if (auto stats = embedded::DecodeStats(*bytes)) return *stats;
  store.ReportCorrupt("the embedded index's stats are corrupt; recounted");
  return RecountStats(store, tables);
}

// The chunk as stored: nullopt when absent. A corrupt record (reported) counts as a chunk
// without terms, so that replacing or deleting it keeps the stats right (its postings,
// unknown, stay).
Result<std::optional<ChunkRecord>> LoadChunkForUpdate(const store::StateStore& store,
                                                      const Tables& tables,
                                                      const std::string& chunk_id) {
  Result<std::string> bytes = store.Get(tables.search_chunks, chunk_id);
  if (bytes.status().IsNotFound()) return std::optional<ChunkRecord>();
  if (!bytes.ok()) return bytes.status();
  if (auto chunk = embedded::DecodeChunk(*bytes)) return chunk;
  store.ReportCorrupt("an embedded chunk record is corrupt; replaced");
  return std::optional<ChunkRecord>(ChunkRecord{});
}

std::vector<std::string> TermsOf(const IndexedText& indexed) {
  std::vector<std::string> terms;
  terms.reserve(indexed.term_frequencies.size());
  for (const auto& [term, frequency] : indexed.term_frequencies) terms.push_back(term);
  return terms;
}

// Removes the postings of `old` that `next` does not have, and writes those of `next`.
void WritePostings(store::TableId postings, const std::string& chunk_id,
                   const std::optional<ChunkRecord>& old, const IndexedText* next,
                   store::WriteSet& writes) {
  if (old) {
    for (const std::string& term : old->terms) {
      if (next == nullptr || !next->term_frequencies.contains(term)) {
        writes.Delete(postings, embedded::PostingKey(term, chunk_id));
      }
    }
  }
  if (next == nullptr) return;
  for (const auto& [term, frequency] : next->term_frequencies) {
    writes.Put(postings, embedded::PostingKey(term, chunk_id),
               embedded::EncodePosting({.term_frequency = frequency, .chunk_words = next->words}));
  }
}

void UpdateStats(const std::optional<ChunkRecord>& old, const std::optional<ChunkRecord>& next,
                 IndexStats& stats) {
  if (old) {
    stats.chunks -= std::min<std::uint64_t>(stats.chunks, 1);
    stats.words -= std::min(stats.words, old->words);
  }
  if (next) {
    ++stats.chunks;
    stats.words += next->words;
  }
}

// ---- searching ----

// The search scoring (embedded_ranking.h).
using embedded::AnyRare;
using embedded::AverageWords;
using embedded::Best;
using embedded::BetterHit;
using embedded::Cosine;
using embedded::FirstPassScores;
using embedded::Idf;
using embedded::IdPosition;
using embedded::MatchText;
using embedded::ParseQuery;
using embedded::Query;
using embedded::Scored;
using embedded::ScoreHits;
using embedded::TermPostings;
using embedded::TextMatch;

Result<std::uint64_t> CountPostings(const store::StateStore& store, const Tables& tables,
                                    std::string_view prefix) {
  std::uint64_t count = 0;
  Status scanned =
      store.Scan(tables.search_terms, prefix, "", [&](std::string_view, std::string_view) {
        ++count;
        return true;
      });
  if (!scanned.ok()) return scanned;
  return count;
}

// How many chunks a common term is in, given the id of the first posting past the `read`
// ones. Chunk ids are hashes, so in id order a term's postings are a uniform sample of its
// chunks, and the read ones cover the share of the id space before `next_id`: with U the
// position of the (read + 1)-th smallest of n uniform values, read / U estimates n without
// bias (1 / sqrt(read) relative error). Ids of another shape, which the daemon never
// writes, are counted instead, in time proportional to the term's chunks.
Result<double> CommonTermChunks(const store::StateStore& store, const Tables& tables,
                                std::string_view prefix, std::size_t read,
                                std::string_view next_id) {
  if (const std::optional<double> position = IdPosition(next_id)) {
    return std::max(static_cast<double>(read + 1), static_cast<double>(read) / *position);
  }
  Result<std::uint64_t> counted = CountPostings(store, tables, prefix);
  if (!counted.ok()) return counted.status();
  return static_cast<double>(*counted);
}

// A term whose first postings already show it in far more chunks than the cap is common
// without reading up to the cap: its first kProbePostings estimate its chunks to within a few
// percent (CommonTermChunks), and stopping there saves a query with words like "policy", or
// the company's name, from reading the cap's worth of each.
constexpr std::size_t kProbePostings = 1024;
constexpr double kSurelyCommon = 2;  // times the cap

bool SurelyCommon(std::size_t read, std::string_view next_id, std::size_t cap) {
  const std::optional<double> position = IdPosition(next_id);
  return position &&
         static_cast<double>(read) / *position > kSurelyCommon * static_cast<double>(cap);
}

Result<TermPostings> ReadPostings(const store::StateStore& store, const Tables& tables,
                                  const std::string& term, std::size_t cap,
                                  const IndexStats& stats) {
  TermPostings read{.term = term, .postings = {}, .common = false, .read_until = {}, .idf = 0};
  const std::string prefix = embedded::PostingPrefix(term);
  std::size_t keys = 0;
  Status scanned = store.Scan(
      tables.search_terms, prefix, "", [&](std::string_view key, std::string_view value) {
        const std::string_view chunk_id = key.substr(prefix.size());
        if (keys == cap || (keys == kProbePostings && SurelyCommon(keys, chunk_id, cap))) {
          read.common = true;
          read.read_until = chunk_id;
          return false;
        }
        ++keys;
        if (auto posting = embedded::DecodePosting(value)) {
          read.postings.emplace_back(std::string(chunk_id), *posting);
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  Result<double> chunks_with_term =
      read.common ? CommonTermChunks(store, tables, prefix, keys, read.read_until)
                  : Result<double>(static_cast<double>(keys));
  if (!chunks_with_term.ok()) return chunks_with_term.status();
  read.idf = Idf(*chunks_with_term, stats);
  return read;
}

// Loads the candidates (skipping any deleted meanwhile) with their BM25 over every term,
// cosine and phrase; the score comes once the best BM25 is known.
Result<std::vector<SearchHit>> LoadCandidates(const store::StateStore& store, const Tables& tables,
                                              const std::vector<Scored>& candidates,
                                              const Query& query,
                                              const std::vector<TermPostings>& terms,
                                              double average_words, const Vector& query_vector) {
  // The first pass scored the rare terms, or, when every term is common, the common terms,
  // which the text counts again.
  const bool first_pass_is_rare_bm25 = AnyRare(terms);
  std::vector<SearchHit> hits;
  hits.reserve(candidates.size());
  for (const auto& [chunk_id, first_pass] : candidates) {
    Result<std::string> bytes = store.Get(tables.search_chunks, chunk_id);
    if (bytes.status().IsNotFound()) continue;
    if (!bytes.ok()) return bytes.status();
    std::optional<ChunkRecord> chunk = embedded::DecodeChunk(*bytes, /*with_terms=*/false);
    if (!chunk) {
      store.ReportCorrupt("an embedded chunk record is corrupt; left out of the results");
      continue;
    }
    const TextMatch match = MatchText(*chunk, query, terms, average_words);
    SearchHit hit;
    hit.chunk_id = std::string(chunk_id);
    hit.lexical = (first_pass_is_rare_bm25 ? first_pass : 0) + match.common_bm25;
    hit.vector = Cosine(query_vector, chunk->vector);
    hit.phrase = match.phrase;
    hit.text = std::move(chunk->text);
    hit.metadata = std::move(chunk->metadata);
    hit.page = chunk->page;
    hit.heading = std::move(chunk->heading);
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace

EmbeddedIndex::EmbeddedIndex(store::StateStore& store, EmbeddedIndexOptions options)
    : store_(store), tables_(TablesOf(store)), options_(options) {
  Result<IndexStats> stats = LoadStats(store_, tables_);
  // Only a gauge until the first batch: its Apply reads the stats again, and fails then.
  if (stats.ok()) chunk_count_.store(stats->chunks);
}

// Reads the stats and old chunks, then writes: one writer at a time (the delivery thread).
Status EmbeddedIndex::Apply(const std::vector<SinkOperation>& batch) {
  if (batch.empty()) return Status::OK();
  Result<IndexStats> loaded = LoadStats(store_, tables_);
  if (!loaded.ok()) return loaded.status();
  IndexStats stats = *loaded;
  store::WriteSet writes;
  // What this batch leaves under each id it touched: the store does not see it before the
  // batch is applied, and a repeated id must not count twice.
  std::unordered_map<std::string, std::optional<ChunkRecord>> written;
  for (const SinkOperation& sink_operation : batch) {
    const IndexOperation& operation = sink_operation.operation;
    const std::string& chunk_id = operation.chunk_id;
    const auto earlier = written.find(chunk_id);
    std::optional<ChunkRecord> old;
    if (earlier != written.end()) {
      old = earlier->second;
    } else {
      Result<std::optional<ChunkRecord>> stored = LoadChunkForUpdate(store_, tables_, chunk_id);
      if (!stored.ok()) return stored.status();
      old = std::move(stored).value();
    }
    std::optional<IndexedText> indexed;
    std::optional<ChunkRecord> next;
    if (operation.kind == IndexOperation::Kind::kUpsert) {
      indexed = IndexText(operation.text);
      next = ChunkRecord{.text = operation.text,
                         .metadata = operation.metadata,
                         .page = operation.page,
                         .heading = operation.heading,
                         .words = indexed->words,
                         .terms = TermsOf(*indexed),
                         .vector = sink_operation.vector};
    }
    WritePostings(tables_.search_terms, chunk_id, old, indexed ? &*indexed : nullptr, writes);
    if (next) {
      writes.Put(tables_.search_chunks, chunk_id, embedded::EncodeChunk(*next));
    } else if (old) {
      writes.Delete(tables_.search_chunks, chunk_id);
    }
    UpdateStats(old, next, stats);
    written[chunk_id] = std::move(next);
  }
  writes.Put(tables_.search_terms, std::string(embedded::kStatsKey), embedded::EncodeStats(stats));
  if (Status applied = store_.Apply(writes); !applied.ok()) return applied;
  chunk_count_.store(stats.chunks);
  return Status::OK();
}

Result<std::vector<std::string>> EmbeddedIndex::ListChunkIds() {
  std::vector<std::string> ids;
  Status scanned =
      store_.Scan(tables_.search_chunks, "", "", [&](std::string_view key, std::string_view) {
        ids.emplace_back(key);
        return true;
      });
  // A partial list would make reconcile re-send what is held.
  if (!scanned.ok()) return scanned;
  return ids;
}

std::uint64_t EmbeddedIndex::ChunkCount() const { return chunk_count_.load(); }

Result<std::vector<SearchHit>> EmbeddedIndex::Search(std::string_view query,
                                                     const Vector& query_vector,
                                                     std::size_t k) const {
  if (k == 0) return std::vector<SearchHit>();
  const Query parsed = ParseQuery(query);
  if (parsed.terms.empty()) return std::vector<SearchHit>();
  Result<IndexStats> loaded = LoadStats(store_, tables_);
  if (!loaded.ok()) return loaded.status();
  const IndexStats& stats = *loaded;
  const double average_words = AverageWords(stats);
  const std::size_t cap = std::max<std::size_t>(1, options_.max_postings_per_term);
  std::vector<TermPostings> terms;
  for (const std::string& term : parsed.terms) {
    Result<TermPostings> postings = ReadPostings(store_, tables_, term, cap, stats);
    if (!postings.ok()) return postings.status();
    TermPostings& read = *postings;
    // A word in no chunk (a typo) must not count as a rare term that no chunk has.
    if (read.common || !read.postings.empty()) terms.push_back(std::move(read));
  }
  if (terms.empty()) return std::vector<SearchHit>();
  const std::vector<Scored> candidates =
      Best(FirstPassScores(terms, average_words), std::max(options_.candidates, k));
  Result<std::vector<SearchHit>> loaded_hits =
      LoadCandidates(store_, tables_, candidates, parsed, terms, average_words, query_vector);
  if (!loaded_hits.ok()) return loaded_hits.status();
  std::vector<SearchHit>& hits = *loaded_hits;
  ScoreHits(hits, !query_vector.empty());
  std::ranges::sort(hits, BetterHit);
  if (hits.size() > k) hits.resize(k);
  return hits;
}

}  // namespace freshd::rag
