#include "rag/embedded_ranking.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "rag/words.h"

namespace freshd::rag::embedded {
namespace {

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

}  // namespace

bool IsIndexed(std::string_view word) {
  return word.size() <= kMaxTermBytes && !std::ranges::binary_search(kStopWords, word);
}

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

bool AnyRare(const std::vector<TermPostings>& terms) {
  return std::ranges::any_of(terms, [](const TermPostings& term) { return !term.common; });
}

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

}  // namespace freshd::rag::embedded
