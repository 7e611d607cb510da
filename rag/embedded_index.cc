#include "rag/embedded_index.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "rag/embedded_records.h"
#include "rag/words.h"

namespace freshd::rag {
namespace {

using embedded::ChunkRecord;
using embedded::IndexStats;
using embedded::Posting;

// BM25's usual parameters.
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
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

struct IndexedText {
  std::map<std::string, std::uint64_t> term_frequencies;
  std::uint64_t words = 0;
};

IndexedText IndexText(std::string_view text) {
  IndexedText indexed;
  for (std::string& word : Words(text)) {
    if (!IsIndexed(word)) continue;
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

// What a query asks for.
struct Query {
  std::vector<std::string> terms;  // its indexed words, distinct and sorted
  std::string phrase;              // all its words in order, as SpacedWords() writes them
};

Query ParseQuery(std::string_view text) {
  Query query{.terms = Words(text), .phrase = SpacedWords(text)};
  std::erase_if(query.terms, [](const std::string& word) { return !IsIndexed(word); });
  std::ranges::sort(query.terms);
  query.terms.erase(std::unique(query.terms.begin(), query.terms.end()), query.terms.end());
  return query;
}

double Bm25(const Posting& posting, double idf, double average_words) {
  const auto frequency = static_cast<double>(posting.term_frequency);
  const double length_ratio = static_cast<double>(posting.chunk_words) / average_words;
  return idf * frequency * (kK1 + 1) / (frequency + kK1 * (1 - kB + kB * length_ratio));
}

double Idf(double chunks_with_term, const IndexStats& stats) {
  // The stats may lag the postings while a batch is being applied.
  const double chunks = std::max(static_cast<double>(stats.chunks), chunks_with_term);
  return std::log(1 + (chunks - chunks_with_term + 0.5) / (chunks_with_term + 0.5));
}

double AverageWords(const IndexStats& stats) {
  return stats.chunks == 0 || stats.words == 0
             ? 1.0
             : static_cast<double>(stats.words) / static_cast<double>(stats.chunks);
}

// Where an id the chunker made (32 hex digits of a hash) falls in the space of ids, in
// (0, 1); nullopt for an id of another shape.
std::optional<double> IdPosition(std::string_view chunk_id) {
  constexpr std::size_t kChunkerIdDigits = 32;
  constexpr std::size_t kDigitsRead = 16;  // 64 bits are plenty
  const auto is_hex_digit = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  if (chunk_id.size() != kChunkerIdDigits || !std::ranges::all_of(chunk_id, is_hex_digit)) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  std::from_chars(chunk_id.data(), chunk_id.data() + kDigitsRead, value, 16);
  return (static_cast<double>(value) + 0.5) / 0x1p64;
}

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

// A term's postings as a query reads them: all of them, or, for a common term (in more chunks
// than the cap), the first in chunk-id order, those of the ids before `read_until`.
struct TermPostings {
  std::string term;
  std::vector<std::pair<std::string, Posting>> postings;
  bool common = false;
  std::string read_until;  // common terms only
  double idf = 0;
};

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

bool AnyRare(const std::vector<TermPostings>& terms) {
  return std::ranges::any_of(terms, [](const TermPostings& term) { return !term.common; });
}

// BM25 over the terms' postings read, which chooses the candidates: those of the rare terms,
// read whole. A common term's postings read are only its first in chunk-id order, which must
// not decide which chunks are candidates; its BM25 comes later, from each candidate's text.
//
// When every term is common, there is no whole list to start from, and reading one would
// cost time in proportion to the store (a term in every chunk). Then the candidates are the
// best of the chunks whose ids come before every term's `read_until`: for those, each term's
// postings were all read, so their BM25 is exact; and as chunk ids are hashes, they are a
// uniform sample of the store, of at least cap / (chunks with the most common term) of it.
// The best chunk of the whole store may be missed, in a bounded time.
//
// The scores are keyed by views of the chunk ids in `terms`.
std::unordered_map<std::string_view, double> FirstPassScores(const std::vector<TermPostings>& terms,
                                                             double average_words) {
  const bool any_rare = AnyRare(terms);
  const std::string_view sampled_until =
      any_rare ? std::string_view()
               : std::ranges::min_element(terms, {}, &TermPostings::read_until)->read_until;
  std::unordered_map<std::string_view, double> scores;
  for (const TermPostings& term : terms) {
    if (term.common && any_rare) continue;
    for (const auto& [chunk_id, posting] : term.postings) {
      if (!any_rare && chunk_id >= sampled_until) break;
      scores[chunk_id] += Bm25(posting, term.idf, average_words);
    }
  }
  return scores;
}

using Scored = std::pair<std::string_view, double>;

// Higher score first, then chunk id, so that ties are ordered the same on every call.
bool Better(const Scored& a, const Scored& b) {
  return a.second != b.second ? a.second > b.second : a.first < b.first;
}

bool BetterHit(const SearchHit& a, const SearchHit& b) {
  return a.score != b.score ? a.score > b.score : a.chunk_id < b.chunk_id;
}

std::vector<Scored> Best(const std::unordered_map<std::string_view, double>& scores,
                         std::size_t count) {
  std::vector<Scored> best(scores.begin(), scores.end());
  count = std::min(count, best.size());
  std::partial_sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(count), best.end(),
                    Better);
  best.resize(count);
  return best;
}

// 0 when either vector is empty or zero, or their sizes differ.
double Cosine(const Vector& a, const Vector& b) {
  if (a.empty() || a.size() != b.size()) return 0;
  double dot = 0;
  double norm_a = 0;
  double norm_b = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    norm_a += static_cast<double>(a[i]) * a[i];
    norm_b += static_cast<double>(b[i]) * b[i];
  }
  if (norm_a == 0 || norm_b == 0) return 0;
  return dot / std::sqrt(norm_a * norm_b);
}

// What a candidate's own text says about the query: whether it holds the query's phrase, and
// the BM25 of the common terms, from their counts in the text (the words the postings were
// made from), which saves a lookup per candidate and common term.
struct TextMatch {
  bool phrase = false;
  double common_bm25 = 0;
};

// How often `word` is in `spaced` (a SpacedWords() text).
std::uint64_t Occurrences(std::string_view spaced, const std::string& word) {
  const std::string needle = ' ' + word + ' ';
  std::uint64_t count = 0;
  // Neighbours share the space between them.
  for (std::size_t at = spaced.find(needle); at != std::string_view::npos;
       at = spaced.find(needle, at + needle.size() - 1)) {
    ++count;
  }
  return count;
}

TextMatch MatchText(const ChunkRecord& chunk, const Query& query,
                    const std::vector<TermPostings>& terms, double average_words) {
  const std::string spaced = SpacedWords(chunk.text);
  TextMatch match;
  match.phrase = spaced.find(query.phrase) != std::string::npos;
  for (const TermPostings& term : terms) {
    if (!term.common) continue;
    match.common_bm25 +=
        Bm25({.term_frequency = Occurrences(spaced, term.term), .chunk_words = chunk.words},
             term.idf, average_words);
  }
  return match;
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
    hits.push_back(std::move(hit));
  }
  return hits;
}

// BM25 is normalised by the best of the candidates, which do not depend on k.
void ScoreHits(std::vector<SearchHit>& hits, bool with_vector) {
  double best_lexical = 0;
  for (const SearchHit& hit : hits) best_lexical = std::max(best_lexical, hit.lexical);
  for (SearchHit& hit : hits) {
    const double lexical_share = best_lexical > 0 ? hit.lexical / best_lexical : 0;
    const double relevance =
        with_vector ? (lexical_share + std::max(0.0, hit.vector)) / 2 : lexical_share;
    hit.score = ((hit.phrase ? 1.0 : 0.0) + relevance) / 2;
  }
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
