#include "watchers/url_filter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace freshd::watchers {

struct UrlFilter::Impl {
  struct CodeDeleter {
    void operator()(pcre2_code* code) const { pcre2_code_free(code); }
  };
  std::unique_ptr<pcre2_code, CodeDeleter> code;
};

Result<std::unique_ptr<UrlFilter>> UrlFilter::Create(const std::string& pattern) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof(message));
    return Status::InvalidArgument("invalid pattern at offset " + std::to_string(error_offset) +
                                   ": " + reinterpret_cast<const char*>(message));
  }
  auto impl = std::make_unique<Impl>();
  impl->code.reset(code);
  return std::unique_ptr<UrlFilter>(new UrlFilter(std::move(impl)));
}

UrlFilter::UrlFilter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UrlFilter::~UrlFilter() = default;

bool UrlFilter::Matches(std::string_view url) const {
  // Match data is per call, so one filter can serve several threads.
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data*)> match(
      pcre2_match_data_create_from_pattern(impl_->code.get(), nullptr), pcre2_match_data_free);
  const int result = pcre2_match(impl_->code.get(), reinterpret_cast<PCRE2_SPTR>(url.data()),
                                 url.size(), 0, 0, match.get(), nullptr);
  return result >= 0;
}

}  // namespace freshd::watchers
