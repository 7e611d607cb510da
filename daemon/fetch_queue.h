// Admission for HTTP transfers: at most `max_in_flight` at once over all hosts, and at most
// `per_host` to any one host, first come first served within a host and round robin across
// hosts, so that one large sitemap does not starve the other sources.
//
// A host that answers 429 or 503 is paused: no new transfer to it starts before the pause
// ends (those in flight go on), and its requests wait meanwhile; the per-host limit still
// holds once it resumes.
// The pause is the answer's Retry-After when it has one (watchers caps it at an hour), else
// a backoff of 1 s, doubled for each further 429/503 in a row from that host, up to 60 s;
// any other HTTP answer from the host ends the row. Each pause is logged once, at info.
//
// Threads: everything on the event loop's thread, where `defer` runs the starts and the
// pause timers (made by `clock` for `io`) fire.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "scheduler/clock.h"
#include "watchers/fetcher.h"

namespace freshd::daemon {

// How long a host rests after its `in_a_row`-th 429 or 503 answer in a row (1 for the first).
scheduler::Duration PauseAfter(std::optional<std::chrono::seconds> retry_after, int in_a_row);

class FetchQueue {
 public:
  // `start` is called (never from inside Submit) when the transfer may begin; whoever it
  // starts must call Done(host) exactly once when the transfer ends.
  using Start = std::function<void()>;
  using Defer = std::function<void(std::function<void()>)>;

  FetchQueue(int max_in_flight, int per_host, Defer defer, const scheduler::Clock& clock,
             boost::asio::io_context& io);
  FetchQueue(const FetchQueue&) = delete;  // its pause timers hold `this`
  FetchQueue& operator=(const FetchQueue&) = delete;

  void Submit(const std::string& host, Start start);
  void Done(const std::string& host);
  // Done, with the answer that ended the transfer: a 429 or 503 pauses the host first.
  void Done(const std::string& host, const watchers::HttpResponse& response);
  // No new transfer to `host` starts before `until` (monotonic time); a longer pause already
  // set is kept. `why` goes into the log line of a new pause.
  void PauseHost(const std::string& host, scheduler::MonotonicTime until,
                 std::string_view why = "");
  void SetPerHostLimit(int per_host) { per_host_ = per_host; }
  // Drops the queued requests and the pauses, with their timers (the engine stops).
  void Clear();

  int InFlight() const { return in_flight_; }
  // Requests queued, and those of them held by a paused host (they wait for a timer).
  std::size_t Waiting() const { return waiting_; }
  std::size_t Held() const;
  bool Paused(const std::string& host) const;

 private:
  struct HostPause {
    scheduler::MonotonicTime until{};
    int throttled_in_a_row = 0;  // 429 and 503 answers with no other answer between them
    std::unique_ptr<scheduler::Timer> wake;
  };

  void Pump();

  int max_in_flight_;
  int per_host_;
  Defer defer_;
  const scheduler::Clock& clock_;
  boost::asio::io_context& io_;
  int in_flight_ = 0;
  std::size_t waiting_ = 0;
  std::unordered_map<std::string, std::deque<Start>> queues_;
  std::unordered_map<std::string, int> host_in_flight_;
  std::list<std::string> hosts_waiting_;  // round-robin order of hosts with queued work
  std::unordered_map<std::string, HostPause> pauses_;  // hosts that answered 429 or 503
};

// "example.com:8080" from "https://user@example.com:8080/x" (lowercased; "" if none).
std::string HostOf(const std::string& url);

}  // namespace freshd::daemon
