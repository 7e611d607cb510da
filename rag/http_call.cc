#include "rag/http_call.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>

namespace freshd::rag {
namespace {

constexpr std::size_t kMaxAnswerBytes = std::size_t{256} << 20;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Answer {
  std::string body;
  bool too_large = false;
};

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* answer = static_cast<Answer*>(user);
  const std::size_t bytes = size * count;
  if (answer->body.size() + bytes > kMaxAnswerBytes) {
    answer->too_large = true;
    return 0;  // aborts the transfer
  }
  answer->body.append(data, bytes);
  return bytes;
}

bool HasHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return true;
    }
  }
  return false;
}

constexpr char kStopped[] = "cancelled: freshd is stopping";

// libcurl calls it at least once a second while a transfer runs; non-zero aborts it.
int AbortOnStop(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::stop_token*>(user)->stop_requested() ? 1 : 0;
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  std::string encoded;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += c;
    } else {
      char escape[4];
      std::snprintf(escape, sizeof(escape), "%%%02X", byte);
      encoded += escape;
    }
  }
  return encoded;
}

std::string HttpAnswer::Describe() const {
  std::string text = "HTTP " + std::to_string(status);
  if (!body.empty()) text += ": " + body.substr(0, 200);
  return text;
}

std::string Describe(const Result<HttpAnswer>& answer) {
  return answer.ok() ? answer->Describe() : answer.status().message();
}

Result<HttpAnswer> HttpCall(std::string_view method, const std::string& url, std::string_view body,
                            const HttpHeaders& headers, std::chrono::milliseconds timeout,
                            std::stop_token stop) {
  if (stop.stop_requested()) return Status::Cancelled(kStopped);
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::ResourceExhausted("curl_easy_init failed");
  curl_slist* raw_list = nullptr;
  for (const auto& [name, value] : headers) {
    raw_list = curl_slist_append(raw_list, (name + ": " + value).c_str());
  }
  if (!body.empty() && !HasHeader(headers, "Content-Type")) {
    raw_list = curl_slist_append(raw_list, "Content-Type: application/json");
  }
  raw_list = curl_slist_append(raw_list, "Expect:");  // no 100-continue round trip
  std::unique_ptr<curl_slist, SlistDeleter> list(raw_list);

  Answer answer;
  const std::string method_text(method);
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method_text.c_str());
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
  if (stop.stop_possible()) {
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &AbortOnStop);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &stop);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  }

  const CURLcode code = curl_easy_perform(handle);
  if (answer.too_large) return Status::ResourceExhausted("answer larger than 256 MiB");
  if (code == CURLE_ABORTED_BY_CALLBACK) return Status::Cancelled(kStopped);
  if (code != CURLE_OK) return Status::IOError(curl_easy_strerror(code));
  HttpAnswer result;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &result.status);
  result.body = std::move(answer.body);
  return result;
}

}  // namespace freshd::rag
