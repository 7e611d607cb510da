// Private: the ASCII helpers of common/strings.h by their watchers names, whitespace folding,
// ignore patterns, JSON canonicalization.
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/strings.h"

namespace freshd::watchers::content {

using strings::AsciiLower;
using strings::AsciiLowered;
using strings::IsAsciiSpace;
inline std::string_view TrimAscii(std::string_view s) { return strings::Trim(s); }

// Runs of spaces and tabs (and Unicode spaces) become one space, lines are trimmed, runs of
// blank lines become one blank line, and the text is trimmed. CR and CRLF count as LF.
// U+FEFF is dropped.
std::string FoldWhitespace(std::string_view text);

// The canonical form of a JSON document (keys sorted, no insignificant whitespace);
// InvalidArgument when the text is not JSON or is nested too deeply.
Result<std::string> CanonicalJson(std::string_view text);

struct Pcre2CodeFree {
  void operator()(pcre2_code* code) const noexcept { pcre2_code_free(code); }
};
struct Pcre2MatchDataFree {
  void operator()(pcre2_match_data* data) const noexcept { pcre2_match_data_free(data); }
};
struct Pcre2MatchContextFree {
  void operator()(pcre2_match_context* context) const noexcept {
    pcre2_match_context_free(context);
  }
};
using Pcre2CodePtr = std::unique_ptr<pcre2_code, Pcre2CodeFree>;
using Pcre2MatchDataPtr = std::unique_ptr<pcre2_match_data, Pcre2MatchDataFree>;
using Pcre2MatchContextPtr = std::unique_ptr<pcre2_match_context, Pcre2MatchContextFree>;

// The ignore patterns of a source: PCRE2 regular expressions (UTF, multiline) whose every
// match is removed from the text, with a match limit per attempt.
class IgnorePatterns {
 public:
  // InvalidArgument on an invalid pattern (ResourceExhausted when PCRE2 cannot allocate).
  Status Compile(const std::vector<std::string>& sources);
  // Removes every match of every pattern, in order; ResourceExhausted when matching fails
  // (the match limit, an allocation), and then *text is left as it was before that pattern.
  Status Remove(std::string* text) const;
  bool empty() const { return patterns_.empty(); }

 private:
  std::vector<Pcre2CodePtr> patterns_;
  std::vector<std::string> sources_;
  Pcre2MatchContextPtr match_context_;
};

}  // namespace freshd::watchers::content
