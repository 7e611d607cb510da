// Words of a text, as the hashing embedder and the embedded sink's lexical index see them:
// maximal runs of ASCII letters and digits and of non-ASCII UTF-8 characters, ASCII
// lowercased. Everything else separates words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace freshd::rag {

std::vector<std::string> Words(std::string_view text);

// The same words in one string, each followed by a space, with a space before the first:
// " w1 w2 ... wn " (" " without words). A text holds another's words in order, as one run,
// exactly when its SpacedWords contain the other's.
std::string SpacedWords(std::string_view text);

}  // namespace freshd::rag
