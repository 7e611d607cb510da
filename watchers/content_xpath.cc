// Load-time validation of XPath selectors: a lexical check of names, then a trial evaluation.
#include "watchers/content_xpath.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "watchers/content_html.h"
#include "watchers/content_text.h"
#include "watchers/content_xml.h"

namespace freshd::watchers::content {
namespace {

// The function library of XPath 1.0, all that libxml2 knows without a namespace.
// clang-format off
constexpr std::array<std::string_view, 27> kXPathCoreFunctions = {
    "last", "position", "count", "id", "local-name", "namespace-uri", "name", "string", "concat",
    "starts-with", "contains", "substring-before", "substring-after", "substring",
    "string-length", "normalize-space", "translate", "boolean", "not", "true", "false", "lang",
    "number", "sum", "floor", "ceiling", "round"};
// clang-format on

// libxml2 resolves function names, namespace prefixes and variables only when evaluation
// reaches them, so a typo inside a predicate would surface as a failed check much later.
// This scanner follows the lexical rules of XPath 1.0 (section 3.7) far enough to find
// function calls, prefixes and variables, and reports the ones no evaluation can resolve.
class XPathNameChecker {
 public:
  explicit XPathNameChecker(std::string_view xpath) : xpath_(xpath) {}

  // A description of the first unresolvable name, or nothing.
  std::optional<std::string> FindProblem() {
    while (true) {
      SkipSpaces();
      if (AtEnd()) return std::nullopt;
      if (auto problem = NextToken()) return problem;
    }
  }

 private:
  static bool IsNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  }
  static bool IsNameChar(char c) {
    return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  }
  static bool IsCoreFunction(std::string_view name) {
    return std::find(kXPathCoreFunctions.begin(), kXPathCoreFunctions.end(), name) !=
           kXPathCoreFunctions.end();
  }
  static bool IsNodeType(std::string_view name) {
    return name == "node" || name == "text" || name == "comment" ||
           name == "processing-instruction";
  }

  bool AtEnd() const { return pos_ >= xpath_.size(); }
  char At(std::size_t offset) const {
    return pos_ + offset < xpath_.size() ? xpath_[pos_ + offset] : '\0';
  }
  void SkipSpaces() {
    while (!AtEnd() && IsAsciiSpace(xpath_[pos_])) ++pos_;
  }
  std::string_view ReadNcName() {
    const std::size_t start = pos_;
    while (!AtEnd() && IsNameChar(xpath_[pos_])) ++pos_;
    return xpath_.substr(start, pos_ - start);
  }

  std::optional<std::string> NextToken() {
    const char c = At(0);
    if (c == '"' || c == '\'') {
      const std::size_t end = xpath_.find(c, pos_ + 1);
      pos_ = end == std::string_view::npos ? xpath_.size() : end + 1;
      operand_expected_ = false;
    } else if ((c >= '0' && c <= '9') || (c == '.' && At(1) >= '0' && At(1) <= '9')) {
      while (!AtEnd() && ((At(0) >= '0' && At(0) <= '9') || At(0) == '.')) ++pos_;
      operand_expected_ = false;
    } else if (c == '.') {
      pos_ += At(1) == '.' ? 2 : 1;
      operand_expected_ = false;
    } else if (c == '$') {
      ++pos_;
      return "variables are not supported ($" + std::string(ReadNcName()) + ")";
    } else if (c == ')' || c == ']') {
      ++pos_;
      operand_expected_ = false;
    } else if (c == '*') {
      ++pos_;
      operand_expected_ = !operand_expected_;  // a name test, or the multiply operator
    } else if (IsNameStart(c)) {
      return Name();
    } else {
      // ( [ , @ :: / // | + - = != < <= > >= : all followed by an operand.
      pos_ += (c == ':' && At(1) == ':') || (c == '/' && At(1) == '/') ||
                      ((c == '!' || c == '<' || c == '>') && At(1) == '=')
                  ? 2
                  : 1;
      operand_expected_ = true;
    }
    return std::nullopt;
  }

  std::optional<std::string> Name() {
    const std::string_view name = ReadNcName();
    if (!operand_expected_) {  // an operator name: and, or, div, mod
      operand_expected_ = true;
      return std::nullopt;
    }
    std::string_view prefix;
    std::string_view local = name;
    if (At(0) == ':' && At(1) != ':') {
      ++pos_;
      prefix = name;
      if (At(0) == '*') {
        ++pos_;
        local = "*";
      } else {
        local = ReadNcName();
      }
    }
    const std::size_t after_name = pos_;
    SkipSpaces();
    const bool call = At(0) == '(';
    const bool axis = At(0) == ':' && At(1) == ':';
    pos_ = after_name;
    operand_expected_ = axis;
    if (!prefix.empty() && prefix != "xml") {
      return "unbound namespace prefix \"" + std::string(prefix) + "\"";
    }
    if (call && !IsNodeType(local) && (!prefix.empty() || !IsCoreFunction(local))) {
      const std::string full =
          prefix.empty() ? std::string(local) : std::string(prefix) + ":" + std::string(local);
      return "unknown function \"" + full + "()\"";
    }
    return std::nullopt;
  }

  std::string_view xpath_;
  std::size_t pos_ = 0;
  bool operand_expected_ = true;
};

}  // namespace

Status ValidateXPath(const std::string& xpath) {
  const auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("invalid XPath \"" + xpath + "\": " + why);
  };
  if (TrimAscii(xpath).empty()) return fail("empty");
  if (xpath.find('\0') != std::string::npos) return fail("NUL character");
  if (auto problem = XPathNameChecker(xpath).FindProblem()) return fail(*problem);
  ScopedXmlErrorSilencer silence;
  static constexpr std::string_view kProbe = "<html><body><p class='x'>x</p></body></html>";
  XmlDocPtr probe(
      xmlReadMemory(kProbe.data(), static_cast<int>(kProbe.size()), nullptr, "UTF-8", kXmlOptions));
  XPathContextPtr context(xmlXPathNewContext(probe.get()));
  if (probe == nullptr || context == nullptr) return fail("cannot set up an XPath context");
  xmlResetLastError();
  XPathCompExprPtr compiled(xmlXPathCtxtCompile(context.get(), AsXmlChar(xpath)));
  XPathObjectPtr result;
  if (compiled != nullptr) result.reset(xmlXPathCompiledEval(compiled.get(), context.get()));
  if (result == nullptr) return fail(DescribeLastXPathError());
  return Status::OK();
}

}  // namespace freshd::watchers::content
