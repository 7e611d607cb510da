// Chunking of texts with section markers (rag/sections.h): pages and heading paths.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "rag/chunking.h"

namespace freshd::rag {
namespace {

std::string Marker(std::string_view fields) { return "\x1e" + std::string(fields); }

std::string PageMarker(int page) { return Marker("page=" + std::to_string(page)); }

std::string RandomParagraph(std::mt19937& rng, int min_words, int max_words) {
  std::uniform_int_distribution<int> words(min_words, max_words);
  std::uniform_int_distribution<int> length(2, 9);
  std::uniform_int_distribution<int> letter('a', 'z');
  std::string paragraph;
  for (int i = words(rng); i > 0; --i) {
    if (!paragraph.empty()) paragraph += ' ';
    for (int j = length(rng); j > 0; --j) paragraph += static_cast<char>(letter(rng));
  }
  return paragraph + '.';
}

std::string Join(const std::vector<std::string>& paragraphs) {
  std::string text;
  for (const std::string& paragraph : paragraphs) {
    if (!text.empty()) text += "\n\n";
    text += paragraph;
  }
  return text;
}

// A document of `pages` pages of random paragraphs: the text with its markers, and each
// page's text alone.
struct PagedDocument {
  std::string text;
  std::map<std::uint32_t, std::string> pages;
};

PagedDocument RandomPagedDocument(std::mt19937& rng, int pages) {
  PagedDocument document;
  std::vector<std::string> parts;
  for (int page = 1; page <= pages; ++page) {
    std::vector<std::string> paragraphs;
    for (int i = std::uniform_int_distribution<int>(1, 6)(rng); i > 0; --i) {
      paragraphs.push_back(RandomParagraph(rng, 8, 60));
    }
    document.pages[page] = Join(paragraphs);
    parts.push_back(PageMarker(page));
    parts.push_back(document.pages[page]);
  }
  document.text = Join(parts);
  return document;
}

std::set<std::string> IdsOf(const std::vector<Chunk>& chunks) {
  std::set<std::string> ids;
  for (const Chunk& chunk : chunks) ids.insert(chunk.id);
  return ids;
}

TEST_CASE("text without markers keeps the chunk ids it had before markers existed",
          "[chunking][sections]") {
  // Ids computed by the chunker before section markers existed: a store made then must not
  // re-embed everything after an upgrade.
  const std::string text =
      "# Refund policy\n\nCustomers may return any item within 30 days of delivery. "
      "The item must be unused and in its original packaging.\n\nRefund window\n\n"
      "Refunds are paid to the original payment method within 5 business days. "
      "Shipping costs are not refunded, except when the item arrived damaged or was not "
      "the item ordered. Store credit is offered as an alternative.\n\nContact\n\n"
      "Write to support@example.com.\n\nWrite to support@example.com.";
  const std::string document = "src\nhttps://example.com/refunds";
  const std::vector<std::string> without_overlap = {
      "1f8d8b1cd367a2237d014f9ce572dcb0", "520e0fbca1a8d12396dc538f1fd7b2a0",
      "227baddc2d03c1668526b2b1383585a4", "a0e4c9e22e018b15526f0564bc67acb1",
      "27b973e6e69de74d1eb80976cd6bb597"};
  const std::vector<std::string> with_overlap = {
      "798acf1a189a3ee8f0b0d206b876d877", "51f20ff49e37d7bc8ca466eea5fac2d3",
      "d1f48c7cb47aa453f9d77b57fec9a6db", "8e9d3ac3b92a161a100ee9d09e3c885b",
      "fe9b55665086aefeb9729ca8bb51943c", "d4e1fbf050dbab5a634859185408cce8",
      "61e170b5b4906c77c6eb6612cd2f4a26"};
  for (const auto& [overlap, expected] :
       {std::pair{0, without_overlap}, std::pair{40, with_overlap}}) {
    const auto chunks = ChunkText(document, text, {.max_chars = 160, .overlap_chars = overlap});
    std::vector<std::string> ids;
    for (const Chunk& chunk : chunks) {
      ids.push_back(chunk.id);
      CHECK(chunk.page == 0);
      CHECK(chunk.heading.empty());
    }
    CHECK(ids == expected);
  }
}

TEST_CASE("chunks never span a page and hold all of their page's text", "[chunking][sections]") {
  std::mt19937 rng(21);
  for (int round = 0; round < 50; ++round) {
    const PagedDocument document = RandomPagedDocument(rng, 1 + round % 8);
    const auto chunks = ChunkText("doc", document.text, {.max_chars = 1200});
    std::map<std::uint32_t, std::string> rejoined;
    for (const Chunk& chunk : chunks) {
      CHECK(chunk.text.find('\x1e') == std::string::npos);
      CHECK(chunk.text.find('\x1f') == std::string::npos);
      CHECK(chunk.heading.empty());
      REQUIRE(document.pages.contains(chunk.page));
      CHECK(document.pages.at(chunk.page).find(chunk.text) != std::string::npos);
      std::string& page = rejoined[chunk.page];
      page += (page.empty() ? "" : "\n\n") + chunk.text;
    }
    CHECK(rejoined == document.pages);
  }
}

TEST_CASE("a marker begins a section even inside a paragraph", "[chunking][sections]") {
  const auto chunks = ChunkText("doc", "First line.\n" + PageMarker(2) + "\nSecond line.", {});
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[0].text == "First line.");
  CHECK(chunks[0].page == 0);
  CHECK(chunks[1].text == "Second line.");
  CHECK(chunks[1].page == 2);
}

TEST_CASE("chunks carry their section's heading path", "[chunking][sections]") {
  const std::string text = "Preface without a location.\n\n" + Marker("heading=Refunds") +
                           "\n\nRefunds\n\nWe refund within 30 days.\n\n" +
                           Marker("heading=Refunds > Window\x1fpage=3") +
                           "\n\nWindow\n\nThe window opens on delivery.\n\n" +
                           Marker("heading=Contact\x1flevel=2") + "\n\nWrite to us.";
  const auto chunks = ChunkText("doc", text, {});
  REQUIRE(chunks.size() == 4);
  CHECK(chunks[0].text == "Preface without a location.");
  CHECK(chunks[0].page == 0);
  CHECK(chunks[0].heading.empty());
  CHECK(chunks[1].text == "Refunds\n\nWe refund within 30 days.");
  CHECK(chunks[1].heading == "Refunds");
  CHECK(chunks[1].page == 0);
  CHECK(chunks[2].text == "Window\n\nThe window opens on delivery.");
  CHECK(chunks[2].heading == "Refunds > Window");
  CHECK(chunks[2].page == 3);
  CHECK(chunks[3].text == "Write to us.");  // the unknown key is ignored
  CHECK(chunks[3].heading == "Contact");
}

TEST_CASE("a page that is not a decimal from 1 is no page", "[chunking][sections]") {
  for (const std::string fields : {"page=0", "page=abc", "page=-3", "page=4294967296",
                                   "page=", "page", "pages=4", "page=99999999999"}) {
    INFO(fields);
    const auto chunks = ChunkText("doc", Marker(fields) + "\n\nSome text.", {});
    REQUIRE(chunks.size() == 1);
    CHECK(chunks[0].page == 0);
    CHECK(chunks[0].text == "Some text.");
  }
  const auto largest = ChunkText("doc", Marker("page=4294967295\r") + "\n\nSome text.", {});
  REQUIRE(largest.size() == 1);
  CHECK(largest[0].page == 4294967295u);
}

TEST_CASE("a chunk's id depends on its location only when it has one", "[chunking][sections]") {
  const std::string paragraph = "The same paragraph, wherever it stands.";
  const auto unmarked = ChunkText("doc", paragraph, {});
  const auto before_marker = ChunkText("doc", paragraph + "\n\n" + PageMarker(1) + "\n\nMore.", {});
  const auto on_page_2 = ChunkText("doc", PageMarker(2) + "\n\n" + paragraph, {});
  const auto on_page_3 = ChunkText("doc", PageMarker(3) + "\n\n" + paragraph, {});
  const auto under_heading = ChunkText("doc", Marker("heading=A") + "\n\n" + paragraph, {});
  const auto empty_marker = ChunkText("doc", Marker("") + "\n\n" + paragraph, {});
  REQUIRE(unmarked.size() == 1);
  REQUIRE(before_marker.size() == 2);
  REQUIRE(on_page_2.size() == 1);
  REQUIRE(on_page_3.size() == 1);
  REQUIRE(under_heading.size() == 1);
  REQUIRE(empty_marker.size() == 1);
  CHECK(before_marker[0].id == unmarked[0].id);  // no location: the id of old
  CHECK(empty_marker[0].id == unmarked[0].id);
  CHECK(on_page_2[0].id != unmarked[0].id);
  CHECK(on_page_2[0].id != on_page_3[0].id);
  CHECK(under_heading[0].id != unmarked[0].id);
  CHECK(under_heading[0].id != on_page_2[0].id);
  CHECK(ChunkText("doc", PageMarker(2) + "\n\n" + paragraph, {})[0].id == on_page_2[0].id);
}

TEST_CASE("the same paragraph on two pages gets two ids", "[chunking][sections]") {
  const std::string footer = "Company confidential.";
  const std::string text =
      PageMarker(1) + "\n\n" + footer + "\n\n" + PageMarker(2) + "\n\n" + footer + "\n\n" + footer;
  const auto chunks = ChunkText("doc", text, {.max_chars = 30});
  REQUIRE(chunks.size() == 3);
  CHECK(IdsOf(chunks).size() == 3);
  // Dropping page 1 leaves page 2's chunks as they were: occurrences count per page.
  const auto page_2_only =
      ChunkText("doc", PageMarker(2) + "\n\n" + footer + "\n\n" + footer, {.max_chars = 30});
  REQUIRE(page_2_only.size() == 2);
  CHECK(page_2_only[0].id == chunks[1].id);
  CHECK(page_2_only[1].id == chunks[2].id);
}

TEST_CASE("an edit on one page changes no chunk of another page", "[chunking][sections]") {
  std::mt19937 rng(23);
  for (int round = 0; round < 30; ++round) {
    std::vector<std::vector<std::string>> pages(5);
    for (auto& page : pages) {
      for (int i = 0; i < 6; ++i) page.push_back(RandomParagraph(rng, 8, 60));
    }
    const auto text_of = [&] {
      std::vector<std::string> parts;
      for (std::size_t page = 0; page < pages.size(); ++page) {
        parts.push_back(PageMarker(static_cast<int>(page + 1)));
        parts.push_back(Join(pages[page]));
      }
      return Join(parts);
    };
    const auto before = ChunkText("doc", text_of(), {});
    const std::size_t edited_page = rng() % pages.size();
    pages[edited_page][rng() % 6] = RandomParagraph(rng, 8, 60);
    const auto after = ChunkText("doc", text_of(), {});
    const std::set<std::string> old_ids = IdsOf(before);
    int new_on_edited_page = 0;
    for (const Chunk& chunk : after) {
      if (old_ids.contains(chunk.id)) continue;
      CHECK(chunk.page == edited_page + 1);
      ++new_on_edited_page;
    }
    CHECK(new_on_edited_page >= 1);
    CHECK(new_on_edited_page <= 3);
  }
}

TEST_CASE("the overlap does not reach into the previous section", "[chunking][sections]") {
  std::mt19937 rng(25);
  const PagedDocument document = RandomPagedDocument(rng, 6);
  const auto chunks = ChunkText("doc", document.text, {.max_chars = 600, .overlap_chars = 60});
  REQUIRE(chunks.size() > 6);
  std::uint32_t previous_page = 0;
  for (const Chunk& chunk : chunks) {
    const std::string& page = document.pages.at(chunk.page);
    if (chunk.page != previous_page) {
      INFO("the first chunk of page " << chunk.page);
      CHECK(page.compare(0, chunk.text.size(), chunk.text) == 0);
    }
    previous_page = chunk.page;
  }
}

}  // namespace
}  // namespace freshd::rag
