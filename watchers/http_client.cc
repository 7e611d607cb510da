#include "watchers/http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace freshd::watchers {
namespace {

namespace asio = boost::asio;

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;
using Clock = std::chrono::steady_clock;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

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

// The lowercased scheme and origin ("https://example.com:443") of an absolute URL, as curl
// parses it; both empty when it does not parse. A missing port is the scheme's default one,
// so "http://a/" and "http://a:80/" have the same origin.
struct UrlOrigin {
  std::string scheme;
  std::string origin;
};

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

bool IsFollowedRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// One fetch, over one or more hops (redirects are followed here, not by curl): its easy
// handle, the request it serves, and what the curl callbacks collect for the current hop.
struct Transfer {
  Transfer(HttpClient::Callback callback, HttpRequest original)
      : done(std::move(callback)),
        request(std::move(original)),
        max_bytes(request.max_bytes),
        origin(OriginOf(request.url).origin),
        deadline(Clock::now() + std::max(std::chrono::milliseconds(1), request.timeout)),
        easy(curl_easy_init()) {}

  HttpClient::Callback done;
  HttpRequest request;
  std::uint64_t max_bytes;
  std::string origin;          // of request.url; "" if unparsable (then no hop is same-origin)
  Clock::time_point deadline;  // request.timeout is for all hops together
  int redirects = 0;           // followed so far
  double seconds = 0;          // curl's total time of the hops done so far
  SlistPtr headers;
  EasyPtr easy;  // declared after `headers`, so it is cleaned up before them
  HttpResponse response;
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {};
};

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
  auto& response = static_cast<Transfer*>(user)->response;
  const std::size_t length = size * count;
  const std::string_view line(data, length);
  if (StartsWithNoCase(line, "http/")) {
    // A new response (after a redirect or a 1xx): only the final one's headers count.
    response.content_type.clear();
    response.charset.clear();
    response.etag.clear();
    response.last_modified.clear();
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

HttpResponse Failure(std::string message) {
  HttpResponse response;
  response.error = FetchError::kIo;
  response.message = std::move(message);
  return response;
}

}  // namespace

struct HttpClient::Impl {
  explicit Impl(asio::io_context& context);
  ~Impl();

  void Fetch(HttpRequest request, Callback done);

  // A socket curl wants watched; the descriptor never owns the fd (curl closes it).
  struct Watch {
    Watch(asio::io_context& context, std::uint64_t id) : descriptor(context), serial(id) {}
    asio::posix::stream_descriptor descriptor;
    std::uint64_t serial;  // tells a watch apart from a later one on a reused fd number
    int wanted = 0;        // CURL_POLL_IN / CURL_POLL_OUT bits
    bool reading = false;  // an async_wait(wait_read) is pending
    bool writing = false;
  };

  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* self, void* socket_data);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);
  static curl_socket_t OnOpenSocket(void* self, curlsocktype purpose, curl_sockaddr* address);
  static int OnCloseSocket(void* self, curl_socket_t fd);

  bool Configure(Transfer& transfer);
  bool ConfigureHop(Transfer& transfer, const std::string& url, bool same_origin);
  bool FollowRedirect(Transfer& transfer, const std::string& target);
  int StartWatching(curl_socket_t fd, int what);
  void StopWatching(curl_socket_t fd);
  void Arm(curl_socket_t fd, Watch& watch);
  void OnReady(curl_socket_t fd, std::uint64_t serial, int event,
               const boost::system::error_code& error);
  void ArmTimer(long timeout_ms);
  void SocketAction(curl_socket_t fd, int events);
  void DrainCompletions();
  void Finish(CURL* easy, CURLcode code);
  void Deliver(Callback done, HttpResponse response);

  asio::io_context& io;
  asio::steady_timer timer;
  // Handlers queued on the io_context check this before touching the Impl.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  bool closing = false;
  std::uint64_t next_serial = 0;
  std::unordered_map<curl_socket_t, std::unique_ptr<Watch>> watches;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers;
  MultiPtr multi;
};

HttpClient::Impl::Impl(asio::io_context& context) : io(context), timer(context) {
  InitCurlOnce();
  multi.reset(curl_multi_init());
  if (!multi) throw std::runtime_error("curl_multi_init failed");
  // The multi handle keeps the connection cache and the DNS cache for all its transfers.
  curl_multi_setopt(multi.get(), CURLMOPT_SOCKETFUNCTION, &Impl::OnSocket);
  curl_multi_setopt(multi.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi.get(), CURLMOPT_TIMERFUNCTION, &Impl::OnTimer);
  curl_multi_setopt(multi.get(), CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, kMaxHostConnections);
}

HttpClient::Impl::~Impl() {
  alive.reset();
  closing = true;
  for (auto& [easy, transfer] : transfers) curl_multi_remove_handle(multi.get(), easy);
  transfers.clear();
  multi.reset();  // closes the cached connections through OnCloseSocket
  for (auto& [fd, watch] : watches) watch->descriptor.release();
  watches.clear();
  timer.cancel();
}

void HttpClient::Impl::Fetch(HttpRequest request, Callback done) {
  auto transfer = std::make_unique<Transfer>(std::move(done), std::move(request));
  if (!transfer->easy) {
    return Deliver(std::move(transfer->done), Failure("curl_easy_init failed"));
  }
  if (!Configure(*transfer)) {
    return Deliver(std::move(transfer->done),
                   Failure("invalid request: " + std::string(transfer->error)));
  }
  CURL* easy = transfer->easy.get();
  if (const CURLMcode code = curl_multi_add_handle(multi.get(), easy); code != CURLM_OK) {
    return Deliver(std::move(transfer->done), Failure(curl_multi_strerror(code)));
  }
  transfers.emplace(easy, std::move(transfer));
}

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

int HttpClient::Impl::OnSocket(CURL*, curl_socket_t fd, int what, void* self, void*) {
  auto& impl = *static_cast<Impl*>(self);
  if (what == CURL_POLL_REMOVE) {
    impl.StopWatching(fd);
    return 0;
  }
  return impl.closing ? 0 : impl.StartWatching(fd, what);
}

int HttpClient::Impl::OnTimer(CURLM*, long timeout_ms, void* self) {
  static_cast<Impl*>(self)->ArmTimer(timeout_ms);
  return 0;
}

curl_socket_t HttpClient::Impl::OnOpenSocket(void* self, curlsocktype, curl_sockaddr* address) {
  const int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  // The kernel may hand out the number of an fd curl closed behind our back (its resolver's
  // socketpair): drop that stale watch before the new socket is registered.
  static_cast<Impl*>(self)->StopWatching(fd);
  return fd;
}

int HttpClient::Impl::OnCloseSocket(void* self, curl_socket_t fd) {
  // Asio must forget the fd before it is closed, or the number's next owner inherits it.
  static_cast<Impl*>(self)->StopWatching(fd);
  return ::close(fd);
}

// Watches any fd curl hands over: TCP over IPv4 or IPv6, and also the AF_UNIX socketpair
// of curl's threaded resolver, which is why this is a stream_descriptor and not a tcp::socket.
int HttpClient::Impl::StartWatching(curl_socket_t fd, int what) {
  auto found = watches.find(fd);
  if (found == watches.end()) {
    auto watch = std::make_unique<Watch>(io, ++next_serial);
    boost::system::error_code error;
    watch->descriptor.assign(fd, error);
    // Unwatched, the transfer ends at its timeout; -1 would abort every transfer instead.
    if (error) return 0;
    found = watches.emplace(fd, std::move(watch)).first;
  }
  found->second->wanted = what;
  Arm(fd, *found->second);
  return 0;
}

void HttpClient::Impl::StopWatching(curl_socket_t fd) {
  const auto found = watches.find(fd);
  if (found == watches.end()) return;
  // Pending waits complete with operation_aborted; OnReady then finds no matching watch.
  found->second->descriptor.release();
  watches.erase(found);
}

void HttpClient::Impl::Arm(curl_socket_t fd, Watch& watch) {
  auto handler = [this, alive = std::weak_ptr<int>(alive), fd, serial = watch.serial](int event) {
    return [this, alive, fd, serial, event](const boost::system::error_code& error) {
      if (!alive.expired()) OnReady(fd, serial, event, error);
    };
  };
  if ((watch.wanted & CURL_POLL_IN) && !watch.reading) {
    watch.reading = true;
    watch.descriptor.async_wait(asio::posix::descriptor_base::wait_read, handler(CURL_CSELECT_IN));
  }
  if ((watch.wanted & CURL_POLL_OUT) && !watch.writing) {
    watch.writing = true;
    watch.descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                                handler(CURL_CSELECT_OUT));
  }
}

void HttpClient::Impl::OnReady(curl_socket_t fd, std::uint64_t serial, int event,
                               const boost::system::error_code& error) {
  auto found = watches.find(fd);
  if (found == watches.end() || found->second->serial != serial) return;
  Watch& watch = *found->second;
  const bool is_read = event == CURL_CSELECT_IN;
  (is_read ? watch.reading : watch.writing) = false;
  if (error == asio::error::operation_aborted) return;
  if (!(watch.wanted & (is_read ? CURL_POLL_IN : CURL_POLL_OUT))) return;  // no longer wanted
  SocketAction(fd, error ? CURL_CSELECT_ERR : event);
  // curl may have dropped or replaced the watch meanwhile.
  found = watches.find(fd);
  if (found != watches.end() && found->second->serial == serial) Arm(fd, *found->second);
}

// Called by curl: it must not call curl back, so a 0 ms timeout is a 0 ms timer too.
void HttpClient::Impl::ArmTimer(long timeout_ms) {
  if (timeout_ms < 0 || closing) {
    timer.cancel();
    return;
  }
  timer.expires_after(std::chrono::milliseconds(timeout_ms));
  timer.async_wait(
      [this, alive = std::weak_ptr<int>(alive)](const boost::system::error_code& error) {
        if (alive.expired() || error == asio::error::operation_aborted) return;
        SocketAction(CURL_SOCKET_TIMEOUT, 0);
      });
}

void HttpClient::Impl::SocketAction(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi.get(), fd, events, &running);
  DrainCompletions();
}

void HttpClient::Impl::DrainCompletions() {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
    if (message->msg == CURLMSG_DONE) Finish(message->easy_handle, message->data.result);
  }
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
  response.duration_seconds = transfer->seconds;
  Deliver(std::move(transfer->done), std::move(response));
}

void HttpClient::Impl::Deliver(Callback done, HttpResponse response) {
  asio::post(io, [alive = std::weak_ptr<int>(alive), done = std::move(done),
                  response = std::move(response)]() mutable {
    if (!alive.expired()) done(std::move(response));
  });
}

HttpClient::HttpClient(asio::io_context& io) : impl_(std::make_unique<Impl>(io)) {}

HttpClient::~HttpClient() = default;

void HttpClient::Fetch(HttpRequest request, Callback done) {
  impl_->Fetch(std::move(request), std::move(done));
}

void HttpClient::CancelAll() {
  asio::io_context& io = impl_->io;
  impl_.reset();
  impl_ = std::make_unique<Impl>(io);
}

std::size_t HttpClient::InFlight() const { return impl_->transfers.size(); }

}  // namespace freshd::watchers
