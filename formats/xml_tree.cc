#include "formats/xml_tree.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <cstring>
#include <mutex>

namespace freshd::formats {
namespace {

void IgnoreStructured(void*, xmlError*) {}
void IgnoreGeneric(void*, const char*, ...) {}

// libxml2 keeps its error handlers per thread: while alive, this thread's go nowhere (the
// parse options alone leave some messages on stderr); the previous ones come back after.
class QuietXmlErrors {
 public:
  QuietXmlErrors()
      : generic_(xmlGenericError),
        generic_context_(xmlGenericErrorContext),
        structured_(xmlStructuredError),
        structured_context_(xmlStructuredErrorContext) {
    xmlSetGenericErrorFunc(nullptr, IgnoreGeneric);
    xmlSetStructuredErrorFunc(nullptr, IgnoreStructured);
  }
  ~QuietXmlErrors() {
    xmlSetGenericErrorFunc(generic_context_, generic_);
    xmlSetStructuredErrorFunc(structured_context_, structured_);
  }
  QuietXmlErrors(const QuietXmlErrors&) = delete;
  QuietXmlErrors& operator=(const QuietXmlErrors&) = delete;

 private:
  xmlGenericErrorFunc generic_;
  void* generic_context_;
  xmlStructuredErrorFunc structured_;
  void* structured_context_;
};

}  // namespace

Result<XmlDoc> ParseXml(std::string_view xml, std::string_view what) {
  if (xml.size() > INT_MAX) return Status::ResourceExhausted(std::string(what) + " is too large");
  static std::once_flag initialized;  // before any concurrent use of libxml2
  std::call_once(initialized, [] { xmlInitParser(); });
  const QuietXmlErrors quiet;
  constexpr int kOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  XmlDoc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr, kOptions));
  if (doc == nullptr || xmlDocGetRootElement(doc.get()) == nullptr) {
    return Status::InvalidArgument(std::string(what) + " is not well-formed XML");
  }
  return doc;
}

bool IsElement(const xmlNode* node, const char* ns, const char* name) {
  if (node == nullptr || node->type != XML_ELEMENT_NODE) return false;
  if (std::strcmp(reinterpret_cast<const char*>(node->name), name) != 0) return false;
  return node->ns != nullptr && node->ns->href != nullptr &&
         std::strcmp(reinterpret_cast<const char*>(node->ns->href), ns) == 0;
}

std::string Attribute(const xmlNode* node, const char* ns, const char* name) {
  const auto* key = reinterpret_cast<const xmlChar*>(name);
  auto* mutable_node = const_cast<xmlNode*>(node);  // libxml2's getters take non-const nodes
  xmlChar* value = xmlGetNsProp(mutable_node, key, reinterpret_cast<const xmlChar*>(ns));
  if (value == nullptr) value = xmlGetNoNsProp(mutable_node, key);
  if (value == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

const xmlNode* Child(const xmlNode* node, const char* ns, const char* name) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (IsElement(child, ns, name)) return child;
  }
  return nullptr;
}

}  // namespace freshd::formats
