// Line sketches: how a confirmation compares a check's text with the last recorded one,
// which is known only by its lines' hashes.
#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "watchers/volatility.h"
#include "watchers/volatility_pcre.h"

namespace freshd::watchers {
namespace {

constexpr std::size_t kHashBytes = sizeof(std::uint64_t);

// Calls `visit(line)` for each line of `text` (split at '\n'); stops when it returns false.
template <typename Visit>
void ForEachLine(std::string_view text, Visit visit) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find('\n', start);
    if (!visit(text.substr(start, end == std::string_view::npos ? end : end - start))) return;
    if (end == std::string_view::npos) return;
    start = end + 1;
  }
}

std::uint64_t LineHash(std::string_view line) { return XXH3_64bits(line.data(), line.size()); }

std::uint64_t SketchHash(std::string_view sketch, std::size_t index) {
  std::uint64_t hash = 0;
  std::memcpy(&hash, sketch.data() + index * kHashBytes, kHashBytes);
  return hash;
}

}  // namespace

std::string LineSketch(std::string_view normalized_text) {
  std::string sketch;
  bool too_long = false;
  ForEachLine(normalized_text, [&](std::string_view line) {
    if (sketch.size() / kHashBytes == kMaxSketchLines) {
      too_long = true;
      return false;
    }
    const std::uint64_t hash = LineHash(line);
    sketch.append(reinterpret_cast<const char*>(&hash), kHashBytes);
    return true;
  });
  return too_long ? std::string() : sketch;
}

bool DiffersOnlyInMaskedLines(std::string_view sketch, std::string_view text,
                              const std::vector<std::string>& masks) {
  if (sketch.empty() || sketch.size() % kHashBytes != 0) return false;
  const std::size_t lines = sketch.size() / kHashBytes;
  std::size_t index = 0;
  std::size_t differing = 0;
  bool explained = true;
  ForEachLine(text, [&](std::string_view line) {
    if (index == lines) {
      explained = false;  // more lines than were recorded
      return false;
    }
    if (LineHash(line) != SketchHash(sketch, index++)) {
      ++differing;
      explained = std::any_of(masks.begin(), masks.end(), [line](const std::string& mask) {
        return MaskMatchesWholeLine(mask, line);
      });
    }
    return explained;
  });
  return explained && index == lines && differing > 0;
}

}  // namespace freshd::watchers
