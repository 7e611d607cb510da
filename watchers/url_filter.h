// The `include` filter of sitemap and feed sources: a PCRE2 pattern searched in each URL.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace freshd::watchers {

class UrlFilter {
 public:
  // InvalidArgument when the pattern does not compile. Never holds nullptr.
  static Result<std::unique_ptr<UrlFilter>> Create(const std::string& pattern);
  ~UrlFilter();

  // True when the pattern matches anywhere in `url`. Thread-safe.
  bool Matches(std::string_view url) const;

 private:
  struct Impl;
  explicit UrlFilter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshd::watchers
