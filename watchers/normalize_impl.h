// Private: the Normalizer's compiled state, shared by normalize.cc (text) and
// normalize_document.cc (PDF, Office, OpenDocument).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/formats.h"
#include "formats/pages.h"
#include "watchers/content_text.h"
#include "watchers/normalize.h"
#include "watchers/url_filter.h"

namespace freshd::watchers {

struct Normalizer::Impl {
  std::string xpath;  // "" selects the whole document
  content::IgnorePatterns ignore;
  formats::ExtractLimits limits;
  std::vector<formats::PageRange> pages;  // empty: every page
  std::unique_ptr<UrlFilter> heading;     // searched in a section's heading path; null: all

  Status InitSelector(const SelectorSpec& select);

  bool Extract(std::string_view body, ContentKind kind, std::string_view charset, std::string* text,
               Result* result) const;
  bool RemoveIgnored(std::string* text, Result* result) const;
  // Folding, the ignore patterns, folding again: what every text goes through.
  bool Clean(std::string* text, Result* result) const;
};

}  // namespace freshd::watchers
