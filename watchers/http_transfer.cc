// One transfer of HttpClient: its request options (headers, credentials, limits), the curl
// callbacks that collect the response, the redirects followed by hand, and the response
// delivered at the end.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "watchers/http_client.h"
#include "watchers/http_client_impl.h"
#include "watchers/retry_after.h"

namespace freshd::watchers {
namespace {

using http_detail::Clock;
using http_detail::Failure;
using http_detail::OriginOf;
using http_detail::SlistPtr;
using http_detail::Transfer;
using http_detail::UrlOrigin;

std::string Lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && Lowercase(text.substr(0, prefix.size())) == prefix;
}

// A CR, LF or NUL in a request header would let a value start a header of its own.
bool IsUnsafeHeaderText(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// "Text/HTML; Charset=\"UTF-8\"" -> ("text/html", "utf-8").
void ParseContentType(std::string_view value, std::string& media_type, std::string& charset) {
  const auto semicolon = value.find(';');
  media_type = Lowercase(Trim(value.substr(0, semicolon)));
  charset.clear();
  std::string_view rest = semicolon == std::string_view::npos ? "" : value.substr(semicolon + 1);
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const std::string_view parameter = Trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? "" : rest.substr(next + 1);
    const auto equals = parameter.find('=');
    if (equals == std::string_view::npos) continue;
    if (Lowercase(Trim(parameter.substr(0, equals))) != "charset") continue;
    std::string_view name = Trim(parameter.substr(equals + 1));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    charset = Lowercase(name);
  }
}

bool IsTlsError(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return true;
    default:
      return false;
  }
}

FetchError ClassifyCurlError(CURLcode code, bool too_large) {
  if (too_large || code == CURLE_FILESIZE_EXCEEDED) return FetchError::kTooLarge;
  if (IsTlsError(code)) return FetchError::kTls;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return FetchError::kTimeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return FetchError::kDns;
    case CURLE_COULDNT_CONNECT:
      return FetchError::kConnect;
    default:
      return FetchError::kIo;  // a truncated body, a redirect loop, a reset, ...
  }
}

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};

bool IsFollowedRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  // Counted after decoding: curl inflates into a small buffer and hands each piece here,
  // so a compression bomb is stopped after max_bytes of output.
  if (transfer.response.body.size() + length > transfer.max_bytes) {
    transfer.too_large = true;
    return 0;  // not `length`: curl aborts the transfer with CURLE_WRITE_ERROR
  }
  transfer.response.body.append(data, length);
  return length;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  auto& response = transfer.response;
  const std::size_t length = size * count;
  const std::string_view line(data, length);
  if (StartsWithNoCase(line, "http/")) {
    // A new response (after a redirect or a 1xx): only the final one's headers count.
    response.content_type.clear();
    response.charset.clear();
    response.etag.clear();
    response.last_modified.clear();
    transfer.retry_after.clear();
    transfer.date.clear();
    return length;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return length;
  const std::string name = Lowercase(Trim(line.substr(0, colon)));
  const std::string_view value = Trim(line.substr(colon + 1));
  if (name == "content-type") {
    ParseContentType(value, response.content_type, response.charset);
  } else if (name == "etag") {
    response.etag = value;
  } else if (name == "last-modified") {
    response.last_modified = value;
  } else if (name == "retry-after") {
    transfer.retry_after = value;
  } else if (name == "date") {
    transfer.date = value;
  }
  return length;
}

// Builds the request header list, or returns false when a header is unsafe to send. To
// another origin than the request's (`same_origin` false, after a redirect), none of the
// request's headers is sent, as they may hold credentials, nor are its validators.
bool BuildHeaders(const HttpRequest& request, bool same_origin, SlistPtr& list) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (same_origin) {
    headers = request.headers;
    if (!request.if_none_match.empty()) {
      headers.emplace_back("If-None-Match", request.if_none_match);
    }
    if (!request.if_modified_since.empty()) {
      headers.emplace_back("If-Modified-Since", request.if_modified_since);
    }
  }
  for (const auto& [name, value] : headers) {
    if (name.empty() || IsUnsafeHeaderText(name) || IsUnsafeHeaderText(value)) return false;
    // "Name:" would make curl drop the header; "Name;" sends it with an empty value.
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown == nullptr) return false;
    list.release();
    list.reset(grown);
  }
  return true;
}

// The request's Basic credentials on a same-origin hop; none (cleared, as the easy handle
// serves every hop) on a hop to another origin.
void SetBasicAuth(CURL* easy, const std::optional<BasicAuth>& auth, bool same_origin) {
  const bool send = auth.has_value() && same_origin;
  curl_easy_setopt(easy, CURLOPT_USERNAME, send ? auth->user.c_str() : nullptr);
  curl_easy_setopt(easy, CURLOPT_PASSWORD, send ? auth->password.c_str() : nullptr);
}

}  // namespace

namespace http_detail {

UrlOrigin OriginOf(const std::string& url) {
  const std::unique_ptr<CURLU, UrlDeleter> handle(curl_url());
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
                     CURLUE_OK) {
    return {};
  }
  auto part = [&handle](CURLUPart which, unsigned int flags) -> std::string {
    char* text = nullptr;
    if (curl_url_get(handle.get(), which, &text, flags) != CURLUE_OK || text == nullptr) return {};
    const std::unique_ptr<char, CurlStringDeleter> owned(text);
    return Lowercase(text);
  };
  UrlOrigin result;
  result.scheme = part(CURLUPART_SCHEME, 0);
  const std::string host = part(CURLUPART_HOST, 0);
  const std::string port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (result.scheme.empty() || host.empty()) return {};
  result.origin = result.scheme + "://" + host + ":" + port;
  return result;
}

HttpResponse Failure(std::string message) {
  HttpResponse response;
  response.error = FetchError::kIo;
  response.message = std::move(message);
  return response;
}

}  // namespace http_detail

// Sets the transfer's options for its first hop; on failure, a reason is left in
// transfer.error.
bool HttpClient::Impl::Configure(Transfer& transfer) {
  CURL* easy = transfer.easy.get();
  const HttpRequest& request = transfer.request;
  auto fail = [&transfer](const char* reason) {
    std::snprintf(transfer.error, sizeof(transfer.error), "%s", reason);
    return false;
  };
  if (!ConfigureHop(transfer, request.url, true)) return false;
  if (curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
      curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK) {
    return fail("this libcurl cannot restrict protocols");
  }
  if (!request.ca_file.empty() &&
      curl_easy_setopt(easy, CURLOPT_CAINFO, request.ca_file.c_str()) != CURLE_OK) {
    return fail("CA file not accepted");
  }
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.error);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  // Without it, ending a transfer during name resolution (timeout, or the client going
  // away) joins curl's resolver thread, blocking the io_context until getaddrinfo returns.
  // With it, the thread is detached and frees itself when getaddrinfo returns.
  curl_easy_setopt(easy, CURLOPT_QUICK_EXIT, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  // Redirects are followed by FollowRedirect: curl would send the request's headers (API
  // keys...) to whatever host a redirect names, stripping only Authorization and Cookie.
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // every decoder this libcurl has
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_bytes));
  if (!request.user_agent.empty()) {
    curl_easy_setopt(easy, CURLOPT_USERAGENT, request.user_agent.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &Impl::OnOpenSocket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &Impl::OnCloseSocket);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
  return true;
}

// Sets what changes from one hop to the next: the URL, the headers and Basic credentials
// (the request's only to its own origin) and the time left of the request's timeout. On failure, a
// reason is left in transfer.error. The easy handle must not be in the multi handle.
bool HttpClient::Impl::ConfigureHop(Transfer& transfer, const std::string& url, bool same_origin) {
  CURL* easy = transfer.easy.get();
  auto fail = [&transfer](const char* reason) {
    std::snprintf(transfer.error, sizeof(transfer.error), "%s", reason);
    return false;
  };
  // The first hop is same-origin, so every header is checked before anything is sent.
  SlistPtr headers;
  if (!BuildHeaders(transfer.request, same_origin, headers)) {
    return fail("a header has a line break");
  }
  if (curl_easy_setopt(easy, CURLOPT_URL, url.c_str()) != CURLE_OK) {
    return fail("URL not accepted");
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  transfer.headers = std::move(headers);  // the previous hop's list is no longer referenced
  SetBasicAuth(easy, transfer.request.basic_auth, same_origin);
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(transfer.deadline - Clock::now());
  const long timeout_ms = std::max<long>(1, static_cast<long>(left.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  return true;
}

// Starts the next hop of a transfer whose response redirects to `target` (absolute, as curl
// resolved it). Returns false, with transfer.response's error and message set, when the
// redirect is not to be followed. The easy handle must not be in the multi handle.
bool HttpClient::Impl::FollowRedirect(Transfer& transfer, const std::string& target) {
  HttpResponse& response = transfer.response;
  auto fail = [&response](FetchError error, std::string message) {
    response.error = error;
    response.message = std::move(message);
    return false;
  };
  if (transfer.redirects >= std::max(0, transfer.request.max_redirects)) {
    return fail(FetchError::kIo, "redirect loop or too many redirects");
  }
  const UrlOrigin next = OriginOf(target);
  if (next.scheme != "http" && next.scheme != "https") {
    return fail(FetchError::kIo, "redirect to a URL that is not http or https");
  }
  if (Clock::now() >= transfer.deadline) {
    return fail(FetchError::kTimeout, curl_easy_strerror(CURLE_OPERATION_TIMEDOUT));
  }
  const bool same_origin = !transfer.origin.empty() && next.origin == transfer.origin;
  transfer.error[0] = '\0';
  if (!ConfigureHop(transfer, target, same_origin)) {
    return fail(FetchError::kIo, "redirect not followed: " + std::string(transfer.error));
  }
  ++transfer.redirects;
  transfer.too_large = false;
  response = HttpResponse();  // the next hop's response replaces this one entirely
  if (const CURLMcode code = curl_multi_add_handle(multi.get(), transfer.easy.get());
      code != CURLM_OK) {
    return fail(FetchError::kIo, curl_multi_strerror(code));
  }
  return true;
}

void HttpClient::Impl::Finish(CURL* easy, CURLcode code) {
  auto node = transfers.extract(easy);
  if (node.empty()) return;
  std::unique_ptr<Transfer>& transfer = node.mapped();  // the node may go back in the map
  curl_multi_remove_handle(multi.get(), easy);

  HttpResponse& response = transfer->response;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
  char* url = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url != nullptr) {
    response.effective_url = url;
  }
  curl_off_t total_us = 0;
  curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
  transfer->seconds += static_cast<double>(total_us) / 1e6;

  char* location = nullptr;
  if (code == CURLE_OK && IsFollowedRedirect(response.status) &&
      curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
      location != nullptr) {
    if (FollowRedirect(*transfer, location)) {
      transfers.insert(std::move(node));  // the same Transfer, on its next hop
      return;
    }
    response.body.clear();
  } else if (code != CURLE_OK) {
    response.error = ClassifyCurlError(code, transfer->too_large);
    response.body.clear();
    if (response.error == FetchError::kTooLarge) {
      response.message = "body larger than " + std::to_string(transfer->max_bytes) + " bytes";
    } else {
      response.message = curl_easy_strerror(code);
      if (transfer->error[0] != '\0') response.message += std::string(": ") + transfer->error;
    }
  } else if (response.status == 304) {
    response.not_modified = true;
  } else if (response.status >= 400 && response.status <= 499) {
    response.error = FetchError::kHttp4xx;
    response.message = "HTTP " + std::to_string(response.status);
  } else if (response.status >= 500 && response.status <= 599) {
    response.error = FetchError::kHttp5xx;
    response.message = "HTTP " + std::to_string(response.status);
  } else if (response.status < 200 || response.status > 299) {
    // e.g. a 3xx without Location: not a document.
    response.error = FetchError::kIo;
    response.message = "unexpected HTTP status " + std::to_string(response.status);
  }
  if (code == CURLE_OK && (response.status == 429 || response.status == 503)) {
    response.retry_after =
        ParseRetryAfter(transfer->retry_after, transfer->date, std::chrono::system_clock::now());
  }
  response.duration_seconds = transfer->seconds;
  Deliver(std::move(transfer->done), std::move(response));
}

}  // namespace freshd::watchers
