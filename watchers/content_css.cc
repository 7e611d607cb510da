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

  Result<std::string> Compile() {
    SkipSpaces();
    if (AtEnd()) return Fail("empty CSS selector");
    std::string out;
    while (true) {
      Result<std::string> selector = CompileSelector();
      if (!selector.ok()) return selector;
      if (!out.empty()) out += " | ";
      out += *selector;
      SkipSpaces();
      if (AtEnd()) break;
      if (Peek() != ',') return Unexpected();
      ++pos_;
      SkipSpaces();
    }
    return out;
  }

 private:
  bool AtEnd() const { return pos_ >= css_.size(); }
  char Peek() const { return css_[pos_]; }
  void SkipSpaces() {
    while (!AtEnd() && IsAsciiSpace(Peek())) ++pos_;
  }
  Status Fail(const std::string& message) const {
    return Status::InvalidArgument("invalid CSS selector \"" + std::string(css_) +
                                   "\": " + message);
  }
  Status Unexpected() const {
    if (AtEnd()) return Fail("unexpected end");
    return Fail(std::string("unsupported or unexpected '") + Peek() + "' at offset " +
                std::to_string(pos_));
  }

  static bool IsNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || static_cast<unsigned char>(c) >= 0x80;
  }

  Result<std::string> ReadName() {
    const std::size_t start = pos_;
    while (!AtEnd() && IsNameChar(Peek())) ++pos_;
    if (pos_ == start) return Unexpected();
    const char first = css_[start];
    if ((first >= '0' && first <= '9') ||
        (first == '-' && pos_ - start > 1 && css_[start + 1] >= '0' && css_[start + 1] <= '9')) {
      pos_ = start;
      return Fail("a name cannot start with a digit (offset " + std::to_string(start) + ")");
    }
    return std::string(css_.substr(start, pos_ - start));
  }

  // An XPath string literal for `value`; XPath 1.0 has no escapes, so a value holding both
  // quote characters is refused.
  Result<std::string> Literal(const std::string& value) const {
    if (value.find('\'') == std::string::npos) return "'" + value + "'";
    if (value.find('"') == std::string::npos) return "\"" + value + "\"";
    return Fail("a value cannot hold both quote characters");
  }

  Result<std::string> CompileSelector() {
    Result<std::string> step = CompileCompound();
    if (!step.ok()) return step;
    std::string xpath = "//" + *step;
    while (true) {
      const std::size_t before = pos_;
      SkipSpaces();
      if (AtEnd() || Peek() == ',') return xpath;
      std::string axis = "//";
      if (Peek() == '>') {
        axis = "/";
        ++pos_;
        SkipSpaces();
      } else if (pos_ == before) {
        return Unexpected();  // two compounds must be separated by a combinator
      }
      step = CompileCompound();
      if (!step.ok()) return step;
      xpath += axis + *step;
    }
  }

  Result<std::string> CompileCompound() {
    std::string element = "*";
    bool any = false;
    if (!AtEnd() && Peek() == '*') {
      ++pos_;
      any = true;
    } else if (!AtEnd() && IsNameChar(Peek())) {
      Result<std::string> name = ReadName();
      if (!name.ok()) return name;
      element = AsciiLowered(*name);  // the HTML parser lowercases element names
      any = true;
    }
    std::string predicates;
    while (!AtEnd() && (Peek() == '.' || Peek() == '#' || Peek() == '[')) {
      Result<std::string> predicate = CompilePredicate();
      if (!predicate.ok()) return predicate;
      predicates += "[" + *predicate + "]";
      any = true;
    }
    if (!any) return Unexpected();
    return element + predicates;
  }

  Result<std::string> CompilePredicate() {
    const char kind = css_[pos_++];
    if (kind == '[') return CompileAttribute();
    Result<std::string> name = ReadName();
    if (!name.ok()) return name;
    Result<std::string> literal = Literal(*name);
    if (!literal.ok()) return literal;
    if (kind == '#') return "@id=" + *literal;
    // A name holds no quote (IsNameChar), so its padded literal cannot fail.
    const std::string padded = Literal(" " + *name + " ").value_or("''");
    return "contains(concat(' ',normalize-space(@class),' ')," + padded + ")";
  }

  Result<std::string> ReadAttributeValue() {
    if (AtEnd()) return Unexpected();
    const char quote = Peek();
    if (quote == '"' || quote == '\'') {
      const std::size_t end = css_.find(quote, pos_ + 1);
      if (end == std::string_view::npos) return Fail("unterminated string");
      std::string value(css_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return value;
    }
    return ReadName();
  }

  Result<std::string> CompileAttribute() {
    SkipSpaces();
    Result<std::string> name = ReadName();
    if (!name.ok()) return name;
    const std::string attribute = "@" + AsciiLowered(*name);
    SkipSpaces();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return attribute;
    }
    std::string op;
    if (!AtEnd() && std::string_view("~^$*|").find(Peek()) != std::string_view::npos) {
      op += css_[pos_++];
    }
    if (AtEnd() || Peek() != '=') return Unexpected();
    ++pos_;
    SkipSpaces();
    Result<std::string> value = ReadAttributeValue();
    if (!value.ok()) return value;
    Result<std::string> literal = Literal(*value);
    if (!literal.ok()) return literal;
    SkipSpaces();
    if (AtEnd() || Peek() != ']') return Unexpected();
    ++pos_;
    return AttributeTest(attribute, op, *value, *literal);
  }

  Result<std::string> AttributeTest(const std::string& attribute, const std::string& op,
                                    const std::string& value, const std::string& literal) const {
    if (op.empty()) return attribute + "=" + literal;
    if (op == "^") return "starts-with(" + attribute + "," + literal + ")";
    if (op == "*") return "contains(" + attribute + "," + literal + ")";
    if (op == "$") {
      return "substring(" + attribute + ",string-length(" + attribute + ")-string-length(" +
             literal + ")+1)=" + literal;
    }
    if (op == "~") {
      Result<std::string> padded = Literal(" " + value + " ");
      if (!padded.ok()) return padded;
      return "contains(concat(' ',normalize-space(" + attribute + "),' ')," + *padded + ")";
    }
    Result<std::string> padded = Literal(value + "-");  // op == "|"
    if (!padded.ok()) return padded;
    return "(" + attribute + "=" + literal + " or starts-with(" + attribute + "," + *padded + "))";
  }

  std::string_view css_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<std::string> CompileCssToXPath(std::string_view css) { return CssCompiler(css).Compile(); }

}  // namespace freshd::watchers::content
