// Private to watchers/: the state of HttpClient, shared by http_client.cc (the libcurl
// multi handle driven by Asio: sockets, the timer, completions) and http_transfer.cc (one
// transfer's request options, its callbacks, redirects and the response it delivers). All
// of it lives on the client's io_context thread.
#pragma once

#include <curl/curl.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "watchers/http_client.h"

namespace freshd::watchers {
namespace http_detail {

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

// The lowercased scheme and origin ("https://example.com:443") of an absolute URL, as curl
// parses it; both empty when it does not parse. A missing port is the scheme's default one,
// so "http://a/" and "http://a:80/" have the same origin.
struct UrlOrigin {
  std::string scheme;
  std::string origin;
};

UrlOrigin OriginOf(const std::string& url);

// A failed fetch (FetchError::kIo) with `message`.
HttpResponse Failure(std::string message);

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
  std::string retry_after;  // the current hop's Retry-After and Date headers, as sent
  std::string date;
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {};
};

}  // namespace http_detail

struct HttpClient::Impl {
  explicit Impl(boost::asio::io_context& context);
  ~Impl();

  void Fetch(HttpRequest request, Callback done);

  // A socket curl wants watched; the descriptor never owns the fd (curl closes it).
  struct Watch {
    Watch(boost::asio::io_context& context, std::uint64_t id) : descriptor(context), serial(id) {}
    boost::asio::posix::stream_descriptor descriptor;
    std::uint64_t serial;  // tells a watch apart from a later one on a reused fd number
    int wanted = 0;        // CURL_POLL_IN / CURL_POLL_OUT bits
    bool reading = false;  // an async_wait(wait_read) is pending
    bool writing = false;
  };

  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* self, void* socket_data);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);
  static curl_socket_t OnOpenSocket(void* self, curlsocktype purpose, curl_sockaddr* address);
  static int OnCloseSocket(void* self, curl_socket_t fd);

  bool Configure(http_detail::Transfer& transfer);
  bool ConfigureHop(http_detail::Transfer& transfer, const std::string& url, bool same_origin);
  bool FollowRedirect(http_detail::Transfer& transfer, const std::string& target);
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

  boost::asio::io_context& io;
  boost::asio::steady_timer timer;
  // Handlers queued on the io_context check this before touching the Impl.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  bool closing = false;
  std::uint64_t next_serial = 0;
  std::unordered_map<curl_socket_t, std::unique_ptr<Watch>> watches;
  std::unordered_map<CURL*, std::unique_ptr<http_detail::Transfer>> transfers;
  http_detail::MultiPtr multi;
};

}  // namespace freshd::watchers
