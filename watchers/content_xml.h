// Private to the watchers library: owners for libxml2 objects, one-time initialization of
// the parser, and a guard that keeps libxml2 from printing diagnostics on stderr. Used by
// the content_*.cc files and listing.cc only.
#pragma once

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace freshd::watchers::content {

struct XmlDocFree {
  void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
struct XmlParserCtxtFree {
  void operator()(xmlParserCtxt* ctxt) const noexcept { xmlFreeParserCtxt(ctxt); }
};
struct XPathContextFree {
  void operator()(xmlXPathContext* ctxt) const noexcept { xmlXPathFreeContext(ctxt); }
};
struct XPathObjectFree {
  void operator()(xmlXPathObject* object) const noexcept { xmlXPathFreeObject(object); }
};
struct XPathCompExprFree {
  void operator()(xmlXPathCompExpr* comp) const noexcept { xmlXPathFreeCompExpr(comp); }
};
struct XmlCharFree {
  void operator()(xmlChar* text) const noexcept { xmlFree(text); }
};

using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;
using XmlParserCtxtPtr = std::unique_ptr<xmlParserCtxt, XmlParserCtxtFree>;
using XPathContextPtr = std::unique_ptr<xmlXPathContext, XPathContextFree>;
using XPathObjectPtr = std::unique_ptr<xmlXPathObject, XPathObjectFree>;
using XPathCompExprPtr = std::unique_ptr<xmlXPathCompExpr, XPathCompExprFree>;
using XmlCharPtr = std::unique_ptr<xmlChar, XmlCharFree>;

// xmlInitParser must run once before threads use libxml2 concurrently.
inline void EnsureXmlInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

inline void IgnoreStructuredError(void* /*user_data*/, xmlError* /*error*/) {}
inline void IgnoreGenericError(void* /*context*/, const char* /*format*/, ...) {}

// While alive, libxml2 diagnostics raised on this thread go nowhere (libxml2 keeps its error
// handlers per thread); the previous handlers come back on destruction.
class ScopedXmlErrorSilencer {
 public:
  ScopedXmlErrorSilencer()
      : generic_(xmlGenericError),
        generic_context_(xmlGenericErrorContext),
        structured_(xmlStructuredError),
        structured_context_(xmlStructuredErrorContext) {
    xmlSetGenericErrorFunc(nullptr, IgnoreGenericError);
    xmlSetStructuredErrorFunc(nullptr, IgnoreStructuredError);
  }
  ~ScopedXmlErrorSilencer() {
    xmlSetGenericErrorFunc(generic_context_, generic_);
    xmlSetStructuredErrorFunc(structured_context_, structured_);
  }
  ScopedXmlErrorSilencer(const ScopedXmlErrorSilencer&) = delete;
  ScopedXmlErrorSilencer& operator=(const ScopedXmlErrorSilencer&) = delete;

 private:
  xmlGenericErrorFunc generic_;
  void* generic_context_;
  xmlStructuredErrorFunc structured_;
  void* structured_context_;
};

inline std::string_view AsView(const xmlChar* text) {
  return text == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(text));
}

inline const xmlChar* AsXmlChar(const std::string& text) {
  return reinterpret_cast<const xmlChar*>(text.c_str());
}

// "line 3: Opening and ending tag mismatch" from a libxml2 error record.
inline std::string DescribeXmlError(const xmlError& error) {
  std::string message = error.message != nullptr ? error.message : "unknown error";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (error.line > 0) return "line " + std::to_string(error.line) + ": " + message;
  return message;
}

// The XPath error last raised on this thread ("Invalid expression at offset 5"). XPath
// errors reach the context's own record only without their message, so the thread's last
// error is read instead (reset it with xmlResetLastError before evaluating).
inline std::string DescribeLastXPathError() {
  const xmlError* error = xmlGetLastError();
  if (error == nullptr) return "unknown error";
  std::string message = DescribeXmlError(*error);
  if (error->domain == XML_FROM_XPATH) message += " at offset " + std::to_string(error->int1);
  return message;
}

}  // namespace freshd::watchers::content
