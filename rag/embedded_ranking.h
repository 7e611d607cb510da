// Private to rag/: the scoring behind EmbeddedIndex::Search, apart from its reads and
// writes of the store: which words are indexed, a query's terms, BM25, the cosine of two
// vectors, and the order of the hits. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rag/embedded_index.h"
#include "rag/embedded_records.h"
#include "rag/embedder.h"

namespace freshd::rag::embedded {

// A word the index keeps postings for, and so a word a query looks up: not a stop word, and
// not too long to ever match (base64, unbroken runs of CJK text).
bool IsIndexed(std::string_view word);

// What a query asks for.
struct Query {
  std::vector<std::string> terms;  // its indexed words, distinct and sorted
  std::string phrase;              // all its words in order, as SpacedWords() writes them
};

Query ParseQuery(std::string_view text);

// BM25 of one posting (k1 = 1.2, b = 0.75).
double Bm25(const Posting& posting, double idf, double average_words);
double Idf(double chunks_with_term, const IndexStats& stats);
double AverageWords(const IndexStats& stats);

// Where an id the chunker made (32 hex digits of a hash) falls in the space of ids, in
// (0, 1); nullopt for an id of another shape.
std::optional<double> IdPosition(std::string_view chunk_id);

// A term's postings as a query reads them: all of them, or, for a common term (in more chunks
// than the cap), the first in chunk-id order, those of the ids before `read_until`.
struct TermPostings {
  std::string term;
  std::vector<std::pair<std::string, Posting>> postings;
  bool common = false;
  std::string read_until;  // common terms only
  double idf = 0;
};

bool AnyRare(const std::vector<TermPostings>& terms);

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
                                                             double average_words);

using Scored = std::pair<std::string_view, double>;

// Higher score first, then chunk id, so that ties are ordered the same on every call.
bool Better(const Scored& a, const Scored& b);
bool BetterHit(const SearchHit& a, const SearchHit& b);
// The `count` best of `scores`, best first.
std::vector<Scored> Best(const std::unordered_map<std::string_view, double>& scores,
                         std::size_t count);

// 0 when either vector is empty or zero, or their sizes differ.
double Cosine(const Vector& a, const Vector& b);

// What a candidate's own text says about the query: whether it holds the query's phrase, and
// the BM25 of the common terms, from their counts in the text (the words the postings were
// made from), which saves a lookup per candidate and common term.
struct TextMatch {
  bool phrase = false;
  double common_bm25 = 0;
};

TextMatch MatchText(const ChunkRecord& chunk, const Query& query,
                    const std::vector<TermPostings>& terms, double average_words);

// Sets each hit's score from its lexical and vector parts and its phrase match. BM25 is
// normalised by the best of the candidates, which do not depend on k.
void ScoreHits(std::vector<SearchHit>& hits, bool with_vector);

}  // namespace freshd::rag::embedded
