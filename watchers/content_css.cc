// The compiler of the supported CSS selector subset to XPath 1.0.
#include "watchers/content_css.h"

#include <utility>

#include "watchers/content_text.h"

namespace freshd::watchers::content {
namespace {

// CSS selectors, compiled to XPath 1.0. The subset: type selectors and `*`, `.class`,
// `#id`, `[attr]`, `[attr=v]` (also ~= ^= $= *= |=), the descendant (space) and child (>)
// combinators, and selector lists with commas.

class CssCompiler {
 public:
  explicit CssCompiler(std::string_view css) : css_(css) {}

  bool Compile(std::string* xpath, std::string* error) {
    SkipSpaces();
    if (AtEnd()) return Fail("empty CSS selector", error);
    std::string out;
    while (true) {
      std::string selector;
      if (!CompileSelector(&selector, error)) return false;
      if (!out.empty()) out += " | ";
      out += selector;
      SkipSpaces();
      if (AtEnd()) break;
      if (Peek() != ',') return Unexpected(error);
      ++pos_;
      SkipSpaces();
    }
    *xpath = std::move(out);
    return true;
  }

 private:
  bool AtEnd() const { return pos_ >= css_.size(); }
  char Peek() const { return css_[pos_]; }
  void SkipSpaces() {
    while (!AtEnd() && IsAsciiSpace(Peek())) ++pos_;
  }
  bool Fail(std::string message, std::string* error) const {
    SetError(error, "invalid CSS selector \"" + std::string(css_) + "\": " + message);
    return false;
  }
  bool Unexpected(std::string* error) const {
    if (AtEnd()) return Fail("unexpected end", error);
    return Fail(
        std::string("unsupported or unexpected '") + Peek() + "' at offset " + std::to_string(pos_),
        error);
  }

  static bool IsNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || static_cast<unsigned char>(c) >= 0x80;
  }

  bool ReadName(std::string* name, std::string* error) {
    const std::size_t start = pos_;
    while (!AtEnd() && IsNameChar(Peek())) ++pos_;
    if (pos_ == start) return Unexpected(error);
    const char first = css_[start];
    if ((first >= '0' && first <= '9') ||
        (first == '-' && pos_ - start > 1 && css_[start + 1] >= '0' && css_[start + 1] <= '9')) {
      pos_ = start;
      return Fail("a name cannot start with a digit (offset " + std::to_string(start) + ")", error);
    }
    *name = std::string(css_.substr(start, pos_ - start));
    return true;
  }

  // An XPath string literal for `value`; XPath 1.0 has no escapes, so a value holding both
  // quote characters is refused.
  bool Literal(const std::string& value, std::string* literal, std::string* error) const {
    if (value.find('\'') == std::string::npos) {
      *literal = "'" + value + "'";
    } else if (value.find('"') == std::string::npos) {
      *literal = "\"" + value + "\"";
    } else {
      return Fail("a value cannot hold both quote characters", error);
    }
    return true;
  }

  bool CompileSelector(std::string* xpath, std::string* error) {
    std::string step;
    if (!CompileCompound(&step, error)) return false;
    *xpath = "//" + step;
    while (true) {
      const std::size_t before = pos_;
      SkipSpaces();
      if (AtEnd() || Peek() == ',') return true;
      std::string axis = "//";
      if (Peek() == '>') {
        axis = "/";
        ++pos_;
        SkipSpaces();
      } else if (pos_ == before) {
        return Unexpected(error);  // two compounds must be separated by a combinator
      }
      if (!CompileCompound(&step, error)) return false;
      *xpath += axis + step;
    }
  }

  bool CompileCompound(std::string* step, std::string* error) {
    std::string element = "*";
    bool any = false;
    if (!AtEnd() && Peek() == '*') {
      ++pos_;
      any = true;
    } else if (!AtEnd() && IsNameChar(Peek())) {
      if (!ReadName(&element, error)) return false;
      element = AsciiLowered(element);  // the HTML parser lowercases element names
      any = true;
    }
    std::string predicates;
    while (!AtEnd() && (Peek() == '.' || Peek() == '#' || Peek() == '[')) {
      std::string predicate;
      if (!CompilePredicate(&predicate, error)) return false;
      predicates += "[" + predicate + "]";
      any = true;
    }
    if (!any) return Unexpected(error);
    *step = element + predicates;
    return true;
  }

  bool CompilePredicate(std::string* predicate, std::string* error) {
    const char kind = css_[pos_++];
    if (kind == '[') return CompileAttribute(predicate, error);
    std::string name;
    std::string literal;
    if (!ReadName(&name, error) || !Literal(name, &literal, error)) return false;
    if (kind == '#') {
      *predicate = "@id=" + literal;
    } else {
      std::string padded;
      Literal(" " + name + " ", &padded, error);
      *predicate = "contains(concat(' ',normalize-space(@class),' ')," + padded + ")";
    }
    return true;
  }

  bool ReadAttributeValue(std::string* value, std::string* error) {
    if (AtEnd()) return Unexpected(error);
    const char quote = Peek();
    if (quote == '"' || quote == '\'') {
      const std::size_t end = css_.find(quote, pos_ + 1);
      if (end == std::string_view::npos) return Fail("unterminated string", error);
      *value = std::string(css_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return true;
    }
    return ReadName(value, error);
  }

  bool CompileAttribute(std::string* predicate, std::string* error) {
    SkipSpaces();
    std::string name;
    if (!ReadName(&name, error)) return false;
    const std::string attribute = "@" + AsciiLowered(name);
    SkipSpaces();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      *predicate = attribute;
      return true;
    }
    std::string op;
    if (!AtEnd() && std::string_view("~^$*|").find(Peek()) != std::string_view::npos) {
      op += css_[pos_++];
    }
    if (AtEnd() || Peek() != '=') return Unexpected(error);
    ++pos_;
    SkipSpaces();
    std::string value;
    std::string literal;
    if (!ReadAttributeValue(&value, error) || !Literal(value, &literal, error)) return false;
    SkipSpaces();
    if (AtEnd() || Peek() != ']') return Unexpected(error);
    ++pos_;
    *predicate = AttributeTest(attribute, op, value, literal, error);
    return !predicate->empty();
  }

  std::string AttributeTest(const std::string& attribute, const std::string& op,
                            const std::string& value, const std::string& literal,
                            std::string* error) const {
    if (op.empty()) return attribute + "=" + literal;
    if (op == "^") return "starts-with(" + attribute + "," + literal + ")";
    if (op == "*") return "contains(" + attribute + "," + literal + ")";
    if (op == "$") {
      return "substring(" + attribute + ",string-length(" + attribute + ")-string-length(" +
             literal + ")+1)=" + literal;
    }
    std::string padded;
    if (op == "~") {
      if (!Literal(" " + value + " ", &padded, error)) return "";
      return "contains(concat(' ',normalize-space(" + attribute + "),' ')," + padded + ")";
    }
    if (!Literal(value + "-", &padded, error)) return "";  // op == "|"
    return "(" + attribute + "=" + literal + " or starts-with(" + attribute + "," + padded + "))";
  }

  std::string_view css_;
  std::size_t pos_ = 0;
};

}  // namespace

bool CompileCssToXPath(std::string_view css, std::string* xpath, std::string* error) {
  return CssCompiler(css).Compile(xpath, error);
}

}  // namespace freshd::watchers::content
