#include "rag/chunking.h"

#define XXH_INLINE_ALL  // the id formula is checked against xxHash itself
#include <xxhash.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace freshd::rag {
namespace {

std::string RandomWord(std::mt19937& rng) {
  std::uniform_int_distribution<int> length(2, 9);
  std::uniform_int_distribution<int> letter('a', 'z');
  std::string word;
  for (int i = length(rng); i > 0; --i) word += static_cast<char>(letter(rng));
  return word;
}

std::string RandomSentence(std::mt19937& rng) {
  std::uniform_int_distribution<int> words(6, 18);
  std::string sentence = RandomWord(rng);
  sentence[0] = static_cast<char>(sentence[0] - 'a' + 'A');
  for (int i = words(rng); i > 1; --i) sentence += ' ' + RandomWord(rng);
  return sentence + '.';
}

// Whole sentences, about `min_bytes` to `max_bytes` long (at least one sentence).
std::string RandomParagraph(std::mt19937& rng, int min_bytes, int max_bytes) {
  const auto target =
      static_cast<std::size_t>(std::uniform_int_distribution<int>(min_bytes, max_bytes)(rng));
  std::string paragraph = RandomSentence(rng);
  while (paragraph.size() < target) {
    const std::string sentence = RandomSentence(rng);
    if (paragraph.size() + 1 + sentence.size() > static_cast<std::size_t>(max_bytes)) break;
    paragraph += ' ' + sentence;
  }
  return paragraph;
}

std::string Join(const std::vector<std::string>& paragraphs) {
  std::string text;
  for (const std::string& paragraph : paragraphs) {
    if (!text.empty()) text += "\n\n";
    text += paragraph;
  }
  return text;
}

std::string JoinedChunkTexts(const std::vector<Chunk>& chunks) {
  std::string text;
  for (const Chunk& chunk : chunks) text += chunk.text + '\n';
  return text;
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::set<std::string> IdsOf(const std::vector<Chunk>& chunks) {
  std::set<std::string> ids;
  for (const Chunk& chunk : chunks) ids.insert(chunk.id);
  return ids;
}

std::size_t CountMissingFrom(const std::set<std::string>& ids, const std::set<std::string>& other) {
  return static_cast<std::size_t>(std::count_if(
      ids.begin(), ids.end(), [&](const std::string& id) { return !other.contains(id); }));
}

bool IsValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if ((lead & 0xC0) == 0x80 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A document with headings among its paragraphs, some of them longer than `max_chars`.
std::vector<std::string> MixedDocument(std::mt19937& rng, int max_chars) {
  std::vector<std::string> paragraphs;
  std::uniform_int_distribution<int> kind(0, 9);
  for (int i = 0; i < 30; ++i) {
    switch (kind(rng)) {
      case 0:
        paragraphs.push_back("# " + RandomWord(rng) + ' ' + RandomWord(rng));
        break;
      case 1:
        paragraphs.push_back("Section " + RandomWord(rng));
        break;
      case 2:
        paragraphs.push_back(RandomParagraph(rng, max_chars * 2, max_chars * 3));
        break;
      case 3:
        paragraphs.push_back(RandomParagraph(rng, 20, 200) + '\n' + RandomParagraph(rng, 20, 200));
        break;
      default:
        paragraphs.push_back(RandomParagraph(rng, 20, std::max(200, max_chars / 2)));
    }
  }
  return paragraphs;
}

// Over many random 20-paragraph documents, one paragraph replaced: its chunk is new, at most
// a neighbour changes with it in nearly every case (three when the size limit moves a
// boundary, rarely), and every other chunk keeps its id. Chunks hold several short
// paragraphs, so that short-paragraph documents do not become a chunk per line.
void CheckEditStability(std::size_t shortest, std::size_t longest, double min_mean_bytes) {
  constexpr int kParagraphs = 20;
  constexpr int kTrials = 500;
  const ChunkingOptions options{.max_chars = 1200, .overlap_chars = 0};
  std::size_t most_added = 0, most_removed = 0, total_added = 0, total_removed = 0;
  std::size_t total_chunks = 0, total_bytes = 0, edits_over_two = 0;
  for (int seed = 0; seed < kTrials; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::vector<std::string> paragraphs;
    for (int i = 0; i < kParagraphs; ++i) {
      paragraphs.push_back(RandomParagraph(rng, shortest, longest));
    }
    const std::vector<Chunk> before = ChunkText("doc", Join(paragraphs), options);
    paragraphs[std::uniform_int_distribution<int>(0, kParagraphs - 1)(rng)] =
        RandomParagraph(rng, shortest, longest);
    const std::vector<Chunk> after = ChunkText("doc", Join(paragraphs), options);

    const std::set<std::string> before_ids = IdsOf(before), after_ids = IdsOf(after);
    const std::size_t added = CountMissingFrom(after_ids, before_ids);
    const std::size_t removed = CountMissingFrom(before_ids, after_ids);
    INFO("seed " << seed);
    CHECK(added >= 1);  // the edited paragraph's chunk is new
    CHECK(added <= 3);
    CHECK(removed <= 3);
    edits_over_two += added > 2 || removed > 2;
    most_added = std::max(most_added, added);
    most_removed = std::max(most_removed, removed);
    total_added += added;
    total_removed += removed;
    total_chunks += before.size();
    for (const Chunk& chunk : before) total_bytes += chunk.text.size();
  }
  const double mean_added = double(total_added) / kTrials;
  const double mean_bytes = double(total_bytes) / double(total_chunks);
  WARN("paragraphs of " << shortest << "-" << longest << " bytes, one edited, " << kTrials
                        << " documents: new chunk ids mean " << mean_added << " max " << most_added
                        << ", vanished mean " << double(total_removed) / kTrials << " max "
                        << most_removed << ", edits changing more than two: " << edits_over_two
                        << "; " << mean_bytes << " bytes per chunk");
  CHECK(mean_added < 1.5);
  CHECK(edits_over_two <= kTrials / 50);  // at most 2%
  CHECK(mean_bytes >= min_mean_bytes);
}

TEST_CASE("an edit to one paragraph changes its chunk and rarely more than one other",
          "[chunking]") {
  CheckEditStability(300, 600, 400);
  CheckEditStability(40, 120, 350);  // short paragraphs share chunks
}

TEST_CASE("no chunk is longer than max_chars", "[chunking]") {
  for (const int max_chars : {100, 300, 1200}) {
    for (const int overlap : {0, 40}) {
      for (int seed = 0; seed < 20; ++seed) {
        std::mt19937 rng(static_cast<unsigned>(seed));
        const std::string text = Join(MixedDocument(rng, max_chars));
        const auto chunks =
            ChunkText("doc", text, {.max_chars = max_chars, .overlap_chars = overlap});
        REQUIRE(chunks.size() > 1);
        for (const Chunk& chunk : chunks) {
          INFO("max " << max_chars << " overlap " << overlap << " seed " << seed);
          CHECK(chunk.text.size() <= static_cast<std::size_t>(max_chars));
          CHECK(!chunk.text.empty());
        }
      }
    }
  }
}

TEST_CASE("chunks hold all of the text, in order", "[chunking]") {
  for (const int max_chars : {100, 300, 1200}) {
    for (int seed = 0; seed < 20; ++seed) {
      std::mt19937 rng(static_cast<unsigned>(seed));
      const std::string text = Join(MixedDocument(rng, max_chars));
      const auto chunks = ChunkText("doc", text, {.max_chars = max_chars, .overlap_chars = 0});
      INFO("max " << max_chars << " seed " << seed);
      CHECK(CollapseWhitespace(JoinedChunkTexts(chunks)) == CollapseWhitespace(text));
    }
  }
}

TEST_CASE("a heading starts a chunk and stays with the text after it", "[chunking]") {
  const std::string text =
      "# Installing freshd\n\n"
      "Download the package and install it with apt, then enable the unit.\n\n"
      "## Configuration\n\n"
      "### Workloads\n\n"
      "Each workload names its sources and how often to check them.\n\n"
      "Sources and sinks\n\n"
      "A sink receives the chunks of every changed document.";
  const auto chunks = ChunkText("doc", text, {.max_chars = 1200, .overlap_chars = 0});
  const std::vector<std::string> expected_starts = {
      "# Installing freshd\n\nDownload the package",
      "## Configuration\n\n### Workloads\n\nEach workload",
      "Sources and sinks\n\nA sink receives",
  };
  REQUIRE(chunks.size() == expected_starts.size());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    CHECK(StartsWith(chunks[i].text, expected_starts[i]));
  }
}

TEST_CASE("headings in random documents start chunks and never end one", "[chunking]") {
  for (int seed = 0; seed < 30; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    const std::vector<std::string> paragraphs = MixedDocument(rng, 400);
    const auto chunks = ChunkText("doc", Join(paragraphs), {.max_chars = 400, .overlap_chars = 0});
    INFO("seed " << seed);
    for (std::size_t i = 0; i < paragraphs.size(); ++i) {
      const bool heading = StartsWith(paragraphs[i], "#") || StartsWith(paragraphs[i], "Section ");
      if (!heading) continue;
      const bool after_heading = i > 0 && (StartsWith(paragraphs[i - 1], "#") ||
                                           StartsWith(paragraphs[i - 1], "Section "));
      const bool starts_a_chunk =
          std::any_of(chunks.begin(), chunks.end(),
                      [&](const Chunk& chunk) { return StartsWith(chunk.text, paragraphs[i]); });
      if (!after_heading) CHECK(starts_a_chunk);
      for (std::size_t c = 0; c + 1 < chunks.size(); ++c) {
        CHECK_FALSE(EndsWith(chunks[c].text, "\n\n" + paragraphs[i]));
        CHECK(chunks[c].text != paragraphs[i]);
      }
    }
  }
}

TEST_CASE("a heading before a long paragraph shares a chunk with its first part", "[chunking]") {
  std::mt19937 rng(7);
  const std::string paragraph = RandomParagraph(rng, 2500, 3000);
  const auto chunks =
      ChunkText("doc", "# Title\n\n" + paragraph, {.max_chars = 1000, .overlap_chars = 0});
  REQUIRE(chunks.size() >= 3);
  CHECK(StartsWith(chunks[0].text, "# Title\n\n" + paragraph.substr(0, 20)));
  CHECK(chunks[0].text.size() <= 1000);
}

TEST_CASE("a long paragraph is cut after sentences", "[chunking]") {
  std::mt19937 rng(3);
  std::string paragraph = RandomSentence(rng);
  while (paragraph.size() < 5000) paragraph += ' ' + RandomSentence(rng);
  const auto chunks = ChunkText("doc", paragraph, {.max_chars = 500, .overlap_chars = 0});
  REQUIRE(chunks.size() >= 10);
  for (const Chunk& chunk : chunks) {
    CHECK(chunk.text.size() <= 500);
    CHECK(EndsWith(chunk.text, "."));
    CHECK(std::isupper(static_cast<unsigned char>(chunk.text.front())));
  }
}

TEST_CASE("a sentence longer than max_chars is cut between words", "[chunking]") {
  std::mt19937 rng(5);
  std::vector<std::string> words;
  std::string sentence;
  for (int i = 0; i < 400; ++i) {
    words.push_back(RandomWord(rng));
    sentence += (i ? " " : "") + words.back();
  }
  const auto chunks = ChunkText("doc", sentence, {.max_chars = 200, .overlap_chars = 0});
  REQUIRE(chunks.size() >= 10);
  std::vector<std::string> chunk_words;
  for (const Chunk& chunk : chunks) {
    CHECK(chunk.text.size() <= 200);
    std::string word;
    for (const char c : chunk.text + ' ') {
      if (c != ' ' && c != '\n') {
        word += c;
      } else if (!word.empty()) {
        chunk_words.push_back(word);
        word.clear();
      }
    }
  }
  CHECK(chunk_words == words);
}

TEST_CASE("text without spaces is cut between UTF-8 characters", "[chunking]") {
  for (const std::string lead : {"", "x", "xy", "xyz"}) {
    std::string text = lead;
    while (text.size() < 3000) text += "ä€😀字";  // 2, 3, 4 and 3 bytes
    const auto chunks = ChunkText("doc", text, {.max_chars = 100, .overlap_chars = 0});
    REQUIRE(chunks.size() >= 30);
    std::string rejoined;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const Chunk& chunk = chunks[i];
      INFO("lead '" << lead << "' chunk " << i);
      CHECK(chunk.text.size() <= 100);
      if (i + 1 < chunks.size()) CHECK(chunk.text.size() >= 97);  // less only a character
      CHECK(IsValidUtf8(chunk.text));
      // A chunk of several pieces joins them with a blank line; take it out again.
      std::string piece_text = chunk.text;
      piece_text.erase(std::remove(piece_text.begin(), piece_text.end(), '\n'), piece_text.end());
      rejoined += piece_text;
    }
    CHECK(rejoined == text);
  }
}

TEST_CASE("chunk ids hash the document, the text and its occurrence", "[chunking]") {
  const std::string text = "A paragraph that appears in two documents.";
  using namespace std::string_view_literals;
  const auto first = ChunkText("web\0https://a.example/"sv, text, {});
  const auto second = ChunkText("web\0https://b.example/"sv, text, {});
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  CHECK(first[0].text == second[0].text);
  CHECK(first[0].id != second[0].id);

  std::string input = "doc";
  input += '\0';
  input += text;
  input += '\0';
  input += '0';
  const XXH128_hash_t hash = XXH3_128bits(input.data(), input.size());
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  const auto chunks = ChunkText("doc", text, {});
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0].id == hex);
  CHECK(chunks[0].id.size() == 32);
  CHECK(chunks[0].id.find_first_not_of("0123456789abcdef") == std::string::npos);
}

TEST_CASE("the same paragraph twice in a document gets two ids", "[chunking]") {
  std::mt19937 rng(11);
  const std::string repeated = RandomParagraph(rng, 700, 900);  // a chunk on its own
  const std::string text = Join({repeated, RandomParagraph(rng, 700, 900), repeated, repeated});
  const auto chunks = ChunkText("doc", text, {.max_chars = 1200, .overlap_chars = 0});
  std::set<std::string> ids_of_repeated;
  for (const Chunk& chunk : chunks) {
    if (chunk.text == repeated) ids_of_repeated.insert(chunk.id);
  }
  CHECK(ids_of_repeated.size() == 3);
  CHECK(IdsOf(chunks).size() == chunks.size());
}

TEST_CASE("an empty text has no chunks", "[chunking]") {
  CHECK(ChunkText("doc", "", {}).empty());
  CHECK(ChunkText("doc", "\n\n \n\t\n", {}).empty());
}

TEST_CASE("chunks overlap the end of the previous chunk", "[chunking]") {
  std::mt19937 rng(13);
  std::vector<std::string> paragraphs;
  for (int i = 0; i < 12; ++i) paragraphs.push_back(RandomParagraph(rng, 300, 600));
  const int overlap = 80;
  const auto chunks =
      ChunkText("doc", Join(paragraphs), {.max_chars = 1200, .overlap_chars = overlap});
  REQUIRE(chunks.size() >= 3);
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    const std::string& previous = chunks[i - 1].text;
    const std::string& current = chunks[i].text;
    const std::size_t tail_end = current.find("\n\n");
    REQUIRE(tail_end != std::string::npos);
    const std::string tail = current.substr(0, tail_end);
    INFO("chunk " << i << " starts with '" << tail << "'");
    CHECK(!tail.empty());
    CHECK(tail.size() <= static_cast<std::size_t>(overlap));
    CHECK(tail.size() >= static_cast<std::size_t>(overlap) - 12);  // one word was left out at most
    CHECK(EndsWith(previous, tail));
    CHECK(previous[previous.size() - tail.size() - 1] == ' ');  // a whole word
  }
  CHECK(chunks[0].text.substr(0, 40) == paragraphs[0].substr(0, 40));
}

TEST_CASE("the same text gives the same chunks", "[chunking]") {
  std::mt19937 rng(17);
  std::vector<std::string> paragraphs;
  for (int i = 0; i < 10; ++i) paragraphs.push_back(RandomParagraph(rng, 100, 700));
  const auto first = ChunkText("doc", Join(paragraphs), {});
  const auto second = ChunkText("doc", Join(paragraphs), {});
  REQUIRE(first.size() == second.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    CHECK(first[i].id == second[i].id);
    CHECK(first[i].text == second[i].text);
  }
}

}  // namespace
}  // namespace freshd::rag
