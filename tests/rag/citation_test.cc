#include "rag/citation.h"

#include <catch2/catch.hpp>

namespace freshd::rag {
namespace {

TEST_CASE("a citation names the document and where the chunk stands", "[citation]") {
  CHECK(Citation("https://example.com/policies/refund-policy.pdf", 4, "") ==
        "refund-policy.pdf, page 4");
  CHECK(Citation("https://example.com/handbook.docx", 0, "Refunds > Window") ==
        "handbook.docx \xC2\xA7 Refunds > Window");
  CHECK(Citation("/srv/decks/kickoff.pptx", 3, "Intro") == "kickoff.pptx, page 3 \xC2\xA7 Intro");
  CHECK(Citation("https://example.com/faq.html", 0, "") == "faq.html");
}

TEST_CASE("a document's name is its last segment, decoded", "[citation]") {
  CHECK(DocumentName("https://example.com/docs/refund%20policy.pdf?v=2#page=4") ==
        "refund policy.pdf");
  CHECK(DocumentName("https://example.com/docs/guide/") == "guide");
  CHECK(DocumentName("https://example.com/") == "example.com");
  CHECK(DocumentName("file:///srv/a.txt") == "a.txt");
  CHECK(DocumentName("notes.md") == "notes.md");
  CHECK(DocumentName("https://example.com/100%") == "100%");  // not an escape: kept
  CHECK(DocumentName("https://") == "https://");
  CHECK(DocumentName("/") == "/");
  CHECK(DocumentName("") == "");
}

TEST_CASE("the location is added to any name, only when known", "[citation]") {
  CHECK(WithLocation("https://example.com/a.pdf", 12, "") == "https://example.com/a.pdf, page 12");
  CHECK(WithLocation("https://example.com/a.pdf", 0, "") == "https://example.com/a.pdf");
}

}  // namespace
}  // namespace freshd::rag
