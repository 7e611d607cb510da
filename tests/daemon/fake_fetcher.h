// A Fetcher with no sockets: each URL answers from a script (one answer per request, the
// last one repeating), on the event loop, and every request is counted and timed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "scheduler/clock.h"
#include "watchers/fetcher.h"

namespace freshd::testing {

class FakeFetcher final : public watchers::Fetcher {
 public:
  FakeFetcher(boost::asio::io_context& io, const scheduler::Clock& clock);

  // A 200 with `body` as text/html, its ETag derived from the body: a request that sends
  // that ETag back gets a 304, as from a real server.
  static watchers::HttpResponse Html(const std::string& body);
  static watchers::HttpResponse Xml(const std::string& body);
  static watchers::HttpResponse Failure(watchers::FetchError error, const std::string& message);

  // Replaces the answers for `url`; a URL with no script fails to connect.
  void Script(const std::string& url, std::vector<watchers::HttpResponse> answers);
  void Serve(const std::string& url, watchers::HttpResponse answer) {
    Script(url, {std::move(answer)});
  }
  // Answers every request to `url` with what `make` returns at that moment (a page that
  // renders the time or a token into each answer); replaces any script.
  using Responder = std::function<watchers::HttpResponse()>;
  void Respond(const std::string& url, Responder make);

  void Fetch(watchers::HttpRequest request, Callback done) override;
  void CancelAll() override { ++generation_; }

  int Requests(const std::string& url) const;
  // The clock's wall time at each request to `url`, in order.
  std::vector<scheduler::TimePoint> RequestTimes(const std::string& url) const;

 private:
  struct Route {
    std::vector<watchers::HttpResponse> answers;
    Responder make;  // when set, answers instead of `answers`
    std::size_t next = 0;
    std::vector<scheduler::TimePoint> requests;
  };
  boost::asio::io_context& io_;
  const scheduler::Clock& clock_;
  std::map<std::string, Route> routes_;
  std::uint64_t generation_ = 0;
};

}  // namespace freshd::testing
