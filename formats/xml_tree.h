// The XML inside the zip containers, parsed with libxml2 without network access, without
// entity substitution and without the "huge" relaxations, errors kept off stderr.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace freshd::formats {

struct FreeXmlDoc {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDoc = std::unique_ptr<xmlDoc, FreeXmlDoc>;

// InvalidArgument naming `what` when `xml` does not parse.
Result<XmlDoc> ParseXml(std::string_view xml, std::string_view what);

// An element named `name` in the namespace `ns` (its URI).
bool IsElement(const xmlNode* node, const char* ns, const char* name);
// The attribute `name` in namespace `ns` (or without a namespace); "" when absent.
std::string Attribute(const xmlNode* node, const char* ns, const char* name);
// The first child element named so, or null.
const xmlNode* Child(const xmlNode* node, const char* ns, const char* name);

}  // namespace freshd::formats
