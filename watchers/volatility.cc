#include "watchers/volatility.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "watchers/volatility_pcre.h"

namespace freshd::watchers {
namespace {

// Line edits beyond which two fetches are too different to learn from.
constexpr int kMaxLineEdits = 1000;
// Pairs of changed lines scored against each other within one run of changed lines; a larger
// run is paired line by line when both sides have as many lines, else left unaligned.
constexpr std::size_t kMaxPairingCells = 256 * 256;

// ---------------------------------------------------------------------------------------
// Lines and words.

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  if (text.empty()) return lines;
  std::size_t pos = 0;
  while (true) {
    const std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(pos));
      break;
    }
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < line.size()) {
    if (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r') {
      ++pos;
      continue;
    }
    std::size_t end = pos;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r') ++end;
    words.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  return words;
}

bool IsBlank(std::string_view line) { return SplitWords(line).empty(); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool HasDigit(std::string_view word) { return std::any_of(word.begin(), word.end(), IsDigit); }

// A letter, a digit or any non-ASCII character: something that says what the line is about.
bool IsAnchorWord(std::string_view word) {
  return std::any_of(word.begin(), word.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
}

// Part of a date or a time: digits and separators only ("2024-05-01", "14:03", "1.5").
bool IsClockWord(std::string_view word) {
  return HasDigit(word) && std::all_of(word.begin(), word.end(), [](char c) {
           return IsDigit(c) || c == '-' || c == ':' || c == '/' || c == '.' || c == ',' ||
                  c == '+';
         });
}

// Appends `literal` as a PCRE2 pattern that matches exactly it.
void AppendLiteral(std::string* out, std::string_view literal) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : literal) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = u >= 0x80 || IsDigit(c) || (c >= 'a' && c <= 'z') ||
                       (c >= 'A' && c <= 'Z') || c == '_' || c == ' ';
    if (plain) {
      *out += c;
    } else if (u < 0x20 || u == 0x7F) {
      *out += "\\x{";
      *out += kHex[u >> 4];
      *out += kHex[u & 0xF];
      *out += '}';
    } else {
      *out += '\\';
      *out += c;
    }
  }
}

// ---------------------------------------------------------------------------------------
// The mask of one pair of differing lines.

struct PairMask {
  std::string pattern;
  std::size_t anchors = 0;  // stable words with a letter or digit
};

// Both lines have as many words: each run of differing words is one `(\S+ ...)` group.
std::optional<PairMask> SameLengthMask(const std::vector<std::string_view>& a,
                                       const std::vector<std::string_view>& b) {
  const std::size_t n = a.size();
  std::vector<bool> volatile_word(n);
  for (std::size_t i = 0; i < n; ++i) volatile_word[i] = a[i] != b[i];
  // A clock's stable parts (the date beside a changing time) go with it.
  for (bool grown = true; grown;) {
    grown = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!volatile_word[i] || !(HasDigit(a[i]) || HasDigit(b[i]))) continue;
      for (const std::size_t j : {i - 1, i + 1}) {
        if (j < n && !volatile_word[j] && IsClockWord(a[j])) {
          volatile_word[j] = true;
          grown = true;
        }
      }
    }
  }
  PairMask mask;
  mask.pattern = "^";
  for (std::size_t i = 0; i < n;) {
    if (i > 0) mask.pattern += ' ';
    if (!volatile_word[i]) {
      AppendLiteral(&mask.pattern, a[i]);
      if (IsAnchorWord(a[i])) ++mask.anchors;
      ++i;
      continue;
    }
    mask.pattern += "(\\S+";
    for (++i; i < n && volatile_word[i]; ++i) mask.pattern += " \\S+";
    mask.pattern += ')';
  }
  mask.pattern += '$';
  if (mask.anchors == 0) return std::nullopt;
  return mask;
}

// The lines have different numbers of words: one `(.+?)` from the first differing word to the
// last, never empty on either side.
std::optional<PairMask> DifferentLengthMask(const std::vector<std::string_view>& a,
                                            const std::vector<std::string_view>& b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  const std::size_t shorter = std::min(n, m);
  std::size_t prefix = 0;
  while (prefix < shorter && a[prefix] == b[prefix]) ++prefix;
  std::size_t suffix = 0;
  while (suffix < shorter - prefix && a[n - 1 - suffix] == b[m - 1 - suffix]) ++suffix;
  if (prefix + suffix == shorter) {  // one line is the other plus words: widen by one word
    if (suffix > 0) {
      --suffix;
    } else if (prefix > 0) {
      --prefix;
    } else {
      return std::nullopt;
    }
  }
  const auto middle_has_digit = [&](const std::vector<std::string_view>& words) {
    return std::any_of(words.begin() + static_cast<std::ptrdiff_t>(prefix),
                       words.end() - static_cast<std::ptrdiff_t>(suffix), HasDigit);
  };
  if (middle_has_digit(a) || middle_has_digit(b)) {
    while (prefix > 0 && IsClockWord(a[prefix - 1])) --prefix;
    while (suffix > 0 && IsClockWord(a[n - suffix])) --suffix;
  }
  PairMask mask;
  mask.pattern = "^";
  for (std::size_t i = 0; i < prefix; ++i) {
    AppendLiteral(&mask.pattern, a[i]);
    mask.pattern += ' ';
    if (IsAnchorWord(a[i])) ++mask.anchors;
  }
  mask.pattern += "(.+?)";
  for (std::size_t i = n - suffix; i < n; ++i) {
    mask.pattern += ' ';
    AppendLiteral(&mask.pattern, a[i]);
    if (IsAnchorWord(a[i])) ++mask.anchors;
  }
  mask.pattern += '$';
  if (mask.anchors == 0) return std::nullopt;
  return mask;
}

std::optional<PairMask> MaskForPair(std::string_view first, std::string_view second) {
  const std::vector<std::string_view> a = SplitWords(first);
  const std::vector<std::string_view> b = SplitWords(second);
  if (a.empty() || b.empty() || a == b) return std::nullopt;
  return a.size() == b.size() ? SameLengthMask(a, b) : DifferentLengthMask(a, b);
}

// ---------------------------------------------------------------------------------------
// Line alignment: Myers' O(ND) difference algorithm, which finds a shortest edit script (and
// so a longest common subsequence) in time proportional to the number of edits.

enum class Edit { kKeep, kDelete, kInsert };

// The edit script from `a` to `b`, or nothing when it takes more than `max_edits` edits.
std::optional<std::vector<Edit>> DiffLines(const std::vector<std::string_view>& a,
                                           const std::vector<std::string_view>& b, int max_edits) {
  const int n = static_cast<int>(a.size());
  const int m = static_cast<int>(b.size());
  const int limit = std::min(n + m, max_edits);
  const int offset = limit + 1;
  std::vector<int> v(2 * static_cast<std::size_t>(limit) + 3, 0);
  // trace[d] holds v[k] for k in [-d, d] after step d.
  std::vector<std::vector<int>> trace;
  int found = -1;
  for (int d = 0; d <= limit && found < 0; ++d) {
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
                  ? v[offset + k + 1]
                  : v[offset + k - 1] + 1;
      int y = x - k;
      while (x < n && y < m && a[x] == b[y]) {
        ++x;
        ++y;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) found = d;
    }
    trace.emplace_back(v.begin() + offset - d, v.begin() + offset + d + 1);
  }
  if (found < 0) return std::nullopt;
  std::vector<Edit> edits;
  int x = n;
  int y = m;
  for (int d = found; d > 0; --d) {
    const std::vector<int>& prev = trace[d - 1];
    const auto at = [&](int k) { return prev[k + d - 1]; };
    const int k = x - y;
    const bool down = k == -d || (k != d && at(k - 1) < at(k + 1));
    const int prev_k = down ? k + 1 : k - 1;
    const int prev_x = at(prev_k);
    const int prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      edits.push_back(Edit::kKeep);
      --x;
      --y;
    }
    edits.push_back(down ? Edit::kInsert : Edit::kDelete);
    x = prev_x;
    y = prev_y;
  }
  for (; x > 0 && y > 0; --x, --y) edits.push_back(Edit::kKeep);
  std::reverse(edits.begin(), edits.end());
  return edits;
}

// ---------------------------------------------------------------------------------------
// Pairing the lines of one run of changes.

std::size_t CountNonBlank(const std::vector<std::string_view>& lines) {
  return static_cast<std::size_t>(
      std::count_if(lines.begin(), lines.end(), [](std::string_view l) { return !IsBlank(l); }));
}

class Learner {
 public:
  // One run of changed lines: `removed` from the first text, `added` in the second.
  void Hunk(const std::vector<std::string_view>& removed,
            const std::vector<std::string_view>& added) {
    const std::size_t p = removed.size();
    const std::size_t q = added.size();
    if (p == 0 || q == 0) {
      probe_.unaligned += CountNonBlank(removed) + CountNonBlank(added);
      return;
    }
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    std::vector<std::optional<PairMask>> masks;
    if (p * q <= kMaxPairingCells) {
      PairBySimilarity(removed, added, &pairs, &masks);
    } else if (p == q) {
      for (std::size_t i = 0; i < p; ++i) {
        pairs.emplace_back(i, i);
        masks.push_back(MaskForPair(removed[i], added[i]));
      }
    }
    std::vector<bool> removed_masked(p);
    std::vector<bool> added_masked(q);
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      const auto [i, j] = pairs[k];
      if (!masks[k] || !MaskMatchesWholeLine(masks[k]->pattern, removed[i]) ||
          !MaskMatchesWholeLine(masks[k]->pattern, added[j])) {
        continue;
      }
      removed_masked[i] = added_masked[j] = true;
      Add(std::move(masks[k]->pattern));
    }
    for (std::size_t i = 0; i < p; ++i) {
      if (!removed_masked[i] && !IsBlank(removed[i])) ++probe_.unaligned;
    }
    for (std::size_t j = 0; j < q; ++j) {
      if (!added_masked[j] && !IsBlank(added[j])) ++probe_.unaligned;
    }
  }

  void GiveUp(std::size_t differing_lines) { probe_.unaligned += differing_lines; }

  VolatilityProbe Take() { return std::move(probe_); }

 private:
  // Pairs lines in order, maximizing the stable words the pairs share.
  static void PairBySimilarity(const std::vector<std::string_view>& removed,
                               const std::vector<std::string_view>& added,
                               std::vector<std::pair<std::size_t, std::size_t>>* pairs,
                               std::vector<std::optional<PairMask>>* masks) {
    const std::size_t p = removed.size();
    const std::size_t q = added.size();
    std::vector<std::optional<PairMask>> cell(p * q);
    for (std::size_t i = 0; i < p; ++i) {
      for (std::size_t j = 0; j < q; ++j) cell[i * q + j] = MaskForPair(removed[i], added[j]);
    }
    // best[i][j]: the best total over removed[i..] and added[j..].
    std::vector<std::size_t> best((p + 1) * (q + 1), 0);
    const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& {
      return best[i * (q + 1) + j];
    };
    for (std::size_t i = p; i-- > 0;) {
      for (std::size_t j = q; j-- > 0;) {
        std::size_t value = std::max(at(i + 1, j), at(i, j + 1));
        if (cell[i * q + j]) value = std::max(value, cell[i * q + j]->anchors + at(i + 1, j + 1));
        at(i, j) = value;
      }
    }
    for (std::size_t i = 0, j = 0; i < p && j < q;) {
      if (cell[i * q + j] && at(i, j) == cell[i * q + j]->anchors + at(i + 1, j + 1)) {
        pairs->emplace_back(i, j);
        masks->push_back(std::move(cell[i * q + j]));
        ++i;
        ++j;
      } else if (at(i, j) == at(i + 1, j)) {
        ++i;
      } else {
        ++j;
      }
    }
  }

  void Add(std::string pattern) {
    if (std::find(probe_.masks.begin(), probe_.masks.end(), pattern) != probe_.masks.end()) return;
    if (probe_.masks.size() >= kMaxVolatileMasks) {
      ++probe_.over_cap;
      return;
    }
    probe_.masks.push_back(std::move(pattern));
  }

  VolatilityProbe probe_;
};

}  // namespace

VolatilityProbe LearnVolatileMasks(std::string_view first, std::string_view second) {
  const std::vector<std::string_view> all_a = SplitLines(first);
  const std::vector<std::string_view> all_b = SplitLines(second);
  // The common head and tail need no diff.
  std::size_t head = 0;
  while (head < all_a.size() && head < all_b.size() && all_a[head] == all_b[head]) ++head;
  std::size_t tail = 0;
  while (tail < all_a.size() - head && tail < all_b.size() - head &&
         all_a[all_a.size() - 1 - tail] == all_b[all_b.size() - 1 - tail]) {
    ++tail;
  }
  const std::vector<std::string_view> a(all_a.begin() + static_cast<std::ptrdiff_t>(head),
                                        all_a.end() - static_cast<std::ptrdiff_t>(tail));
  const std::vector<std::string_view> b(all_b.begin() + static_cast<std::ptrdiff_t>(head),
                                        all_b.end() - static_cast<std::ptrdiff_t>(tail));
  Learner learner;
  if (a.empty() && b.empty()) {
    VolatilityProbe identical = learner.Take();
    identical.settles = true;
    return identical;
  }
  constexpr std::size_t kMaxLines = static_cast<std::size_t>(std::numeric_limits<int>::max() / 4);
  std::optional<std::vector<Edit>> edits;
  if (a.size() < kMaxLines && b.size() < kMaxLines) edits = DiffLines(a, b, kMaxLineEdits);
  if (!edits) {
    learner.GiveUp(CountNonBlank(a) + CountNonBlank(b));
    return learner.Take();
  }
  std::vector<std::string_view> removed;
  std::vector<std::string_view> added;
  std::size_t i = 0;
  std::size_t j = 0;
  const auto flush = [&] {
    if (!removed.empty() || !added.empty()) learner.Hunk(removed, added);
    removed.clear();
    added.clear();
  };
  for (const Edit edit : *edits) {
    switch (edit) {
      case Edit::kKeep:
        flush();
        ++i;
        ++j;
        break;
      case Edit::kDelete:
        removed.push_back(a[i++]);
        break;
      case Edit::kInsert:
        added.push_back(b[j++]);
        break;
    }
  }
  flush();
  VolatilityProbe probe = learner.Take();
  probe.settles =
      ApplyMasks(first, probe.masks, nullptr) == ApplyMasks(second, probe.masks, nullptr);
  return probe;
}

}  // namespace freshd::watchers
