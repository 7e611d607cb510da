// Private: HTML/XML parsing with libxml2 and extraction of the (selected) text.
#pragma once

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include <string>

#include "common/status.h"
#include "watchers/content_charset.h"
#include "watchers/normalize.h"

namespace freshd::watchers::content {

constexpr int kHtmlOptions = HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                             HTML_PARSE_RECOVER | HTML_PARSE_COMPACT;
// No XML_PARSE_NOENT (entities are never substituted), no DTD loading, no XML_PARSE_HUGE
// (libxml2 keeps its entity amplification and depth limits).
constexpr int kXmlOptions =
    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

// Parses `input` as HTML or XML (`kind`) and gives its text: of the whole document when
// `xpath` is "", else of the nodes it selects (or its value when it is not a node-set).
// HTML: without scripts, styles, nav, page header and footer...; block elements become line
// breaks. InvalidArgument on malformed XML or a failed evaluation, ResourceExhausted for a
// document too large or an allocation that failed.
Result<std::string> ExtractMarkupText(const PreparedInput& input, ContentKind kind,
                                      const std::string& xpath);

}  // namespace freshd::watchers::content
