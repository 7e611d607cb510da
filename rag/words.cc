#include "rag/words.h"

namespace freshd::rag {
namespace {

bool IsWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

char Lower(unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); }

}  // namespace

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (IsWordByte(byte)) {
      word += Lower(byte);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::string SpacedWords(std::string_view text) {
  // Written in place: a search calls this on every candidate chunk.
  std::string spaced(text.size() + 2, ' ');
  std::size_t end = 1;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (IsWordByte(byte)) {
      spaced[end++] = Lower(byte);
    } else if (spaced[end - 1] != ' ') {
      spaced[end++] = ' ';
    }
  }
  if (spaced[end - 1] != ' ') ++end;  // the space after the last word is already there
  spaced.resize(end);
  return spaced;
}

}  // namespace freshd::rag
