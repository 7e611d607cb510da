// Words as the hashing embedder and the embedded sink's index see them, and the spaced form
// a search matches phrases in.
#include "rag/words.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace freshd::rag {
namespace {

TEST_CASE("words are runs of letters and digits, ASCII lowercased") {
  CHECK(Words("Refunds: within 30 days (Gift-cards excepted).") ==
        std::vector<std::string>{"refunds", "within", "30", "days", "gift", "cards", "excepted"});
  CHECK(Words("Café ÜBER") == std::vector<std::string>{"caf\xc3\xa9",
                                                       "\xc3\x9c"
                                                       "ber"});
  CHECK(Words(" ,.! ").empty());
}

TEST_CASE("spaced words hold a phrase exactly when the text has its words in order") {
  CHECK(SpacedWords("Refunds: within 30 days.") == " refunds within 30 days ");
  CHECK(SpacedWords("") == " ");
  CHECK(SpacedWords("  ,. ") == " ");
  CHECK(SpacedWords("one") == " one ");
  const std::string text = SpacedWords("Customers may request a refund\n\nwithin 30 days!");
  CHECK(text.find(SpacedWords("a REFUND, within")) != std::string::npos);
  CHECK(text.find(SpacedWords("refund 30")) == std::string::npos);
  CHECK(text.find(SpacedWords("fund within")) == std::string::npos);  // whole words only
}

}  // namespace
}  // namespace freshd::rag
