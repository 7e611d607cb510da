// Whitespace folding, ignore-pattern removal and JSON canonicalization for normalization.
#include "watchers/content_text.h"

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

namespace freshd::watchers::content {
namespace {

// Per start position of a match attempt: enough for any sane pattern, small enough that a
// pathological one (nested quantifiers) fails fast instead of hanging a worker.
constexpr std::uint32_t kRegexMatchLimit = 1'000'000;
// Deeper JSON would only exist to blow the stack of a recursive serializer.
constexpr int kMaxJsonDepth = 512;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";  // U+FEFF in UTF-8

// Byte length of a Unicode space separator other than U+0020 at s[i] (no-break space, the
// U+2000 block, ideographic space...), or 0.
std::size_t UnicodeSpaceLength(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  const unsigned char c = at(0);
  if (c == 0xC2 && at(1) == 0xA0) return 2;                   // U+00A0
  if (c == 0xE1 && at(1) == 0x9A && at(2) == 0x80) return 3;  // U+1680
  if (c == 0xE2 && at(1) == 0x80 && ((at(2) >= 0x80 && at(2) <= 0x8A) || at(2) == 0xAF)) {
    return 3;  // U+2000-U+200A, U+202F
  }
  if (c == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return 3;  // U+3000
  return 0;
}

// The deepest nesting of arrays and objects, or the offset where it first exceeds `limit`.
std::optional<std::size_t> FindExcessiveNesting(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

// Records where a JSON parse failed, without building anything (and without exceptions).
class JsonErrorLocator : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& error) override {
    message_ = error.what();
    position_ = position;
    return false;
  }

  std::string Describe() const {
    if (message_.empty()) return "malformed JSON";
    return "malformed JSON near byte offset " + std::to_string(position_ > 0 ? position_ - 1 : 0) +
           ": " + message_;
  }

 private:
  std::string message_;
  std::size_t position_ = 0;
};

std::string Pcre2ErrorMessage(int code) {
  std::array<PCRE2_UCHAR, 256> buffer{};
  if (pcre2_get_error_message(code, buffer.data(), buffer.size()) < 0) {
    return "error " + std::to_string(code);
  }
  return reinterpret_cast<const char*>(buffer.data());
}

}  // namespace

std::string FoldWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::string line;
  bool pending_space = false;
  bool pending_blank = false;
  const auto end_line = [&] {
    if (line.empty()) {
      pending_blank = !out.empty();
    } else {
      if (!out.empty()) out += pending_blank ? "\n\n" : "\n";
      out += line;
      pending_blank = false;
    }
    line.clear();
    pending_space = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_line();
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
      pending_space = true;
      continue;
    }
    if (const std::size_t length = UnicodeSpaceLength(text, i); length > 0) {
      pending_space = true;
      i += length - 1;
      continue;
    }
    // U+FEFF (a byte order mark past the first, or a zero-width no-break space) holds no
    // text: dropped, so that normalizing normalized text changes nothing.
    if (text.substr(i, kByteOrderMark.size()) == kByteOrderMark) {
      i += kByteOrderMark.size() - 1;
      continue;
    }
    if (pending_space && !line.empty()) line += ' ';
    pending_space = false;
    line += c;
  }
  end_line();
  return out;
}

Result<std::string> CanonicalJson(std::string_view text) {
  if (auto offset = FindExcessiveNesting(text, kMaxJsonDepth)) {
    return Status::InvalidArgument("JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                                   " levels at byte offset " + std::to_string(*offset));
  }
  nlohmann::json value =
      nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    JsonErrorLocator locator;
    nlohmann::json::sax_parse(text.begin(), text.end(), &locator,
                              nlohmann::json::input_format_t::json, /*strict=*/true);
    return Status::InvalidArgument(locator.Describe());
  }
  // Objects are std::map: keys come out sorted. No indentation, no spaces.
  return value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

Status IgnorePatterns::Compile(const std::vector<std::string>& sources) {
  match_context_.reset(pcre2_match_context_create(nullptr));
  if (match_context_ == nullptr) {
    return Status::ResourceExhausted("cannot allocate a PCRE2 match context");
  }
  pcre2_set_match_limit(match_context_.get(), kRegexMatchLimit);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    int code = 0;
    PCRE2_SIZE offset = 0;
    Pcre2CodePtr compiled(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(sources[i].data()),
                                        sources[i].size(), PCRE2_UTF | PCRE2_MULTILINE, &code,
                                        &offset, nullptr));
    if (compiled == nullptr) {
      return Status::InvalidArgument("invalid ignore pattern \"" + sources[i] +
                                     "\": " + Pcre2ErrorMessage(code) + " at offset " +
                                     std::to_string(offset));
    }
    pcre2_jit_compile(compiled.get(), PCRE2_JIT_COMPLETE);  // the interpreter if it fails
    patterns_.push_back(std::move(compiled));
    sources_.push_back(sources[i]);
  }
  return Status::OK();
}

Status IgnorePatterns::Remove(std::string* text) const {
  for (std::size_t i = 0; i < patterns_.size(); ++i) {
    const pcre2_code* code = patterns_[i].get();
    Pcre2MatchDataPtr match_data(pcre2_match_data_create_from_pattern(code, nullptr));
    if (match_data == nullptr) return Status::ResourceExhausted("cannot allocate PCRE2 match data");
    std::string out(text->size() + 1, '\0');  // removing never makes the text longer
    const auto substitute = [&](std::uint32_t options) {
      PCRE2_SIZE length = out.size();
      const int rc = pcre2_substitute(
          code, reinterpret_cast<PCRE2_SPTR>(text->data()), text->size(), 0,
          PCRE2_SUBSTITUTE_GLOBAL | options, match_data.get(), match_context_.get(),
          reinterpret_cast<PCRE2_SPTR>(""), 0, reinterpret_cast<PCRE2_UCHAR*>(out.data()), &length);
      if (rc >= 0) out.resize(length);
      return rc;
    };
    int rc = substitute(0);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) rc = substitute(PCRE2_NO_JIT);
    if (rc < 0) {
      return Status::ResourceExhausted("ignore pattern \"" + sources_[i] +
                                       "\" failed: " + Pcre2ErrorMessage(rc));
    }
    *text = std::move(out);
  }
  return Status::OK();
}

}  // namespace freshd::watchers::content
