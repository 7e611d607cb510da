#include "daemon/fetch_queue.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <sstream>
#include <vector>

#include "tests/integration/log_capture.h"

using freshd::daemon::FetchQueue;
using freshd::daemon::HostOf;
using freshd::daemon::PauseAfter;
using freshd::scheduler::ManualClock;
using freshd::testing::LogCapture;
using freshd::watchers::HttpResponse;
using namespace std::chrono_literals;

namespace {

// Runs deferred starts when told to, as the event loop would. Time is a ManualClock's.
struct Loop {
  boost::asio::io_context io;
  ManualClock clock{freshd::scheduler::TimePoint(std::chrono::hours(24 * 20000))};
  std::vector<std::function<void()>> pending;
  FetchQueue::Defer defer() {
    return [this](std::function<void()> start) { pending.push_back(std::move(start)); };
  }
  void RunAll() {
    auto now = std::move(pending);
    pending.clear();
    for (auto& start : now) start();
  }
  FetchQueue Queue(int max_in_flight, int per_host) {
    return FetchQueue(max_in_flight, per_host, defer(), clock, io);
  }
  // Moves time forward, starting what the pauses that end let through.
  void Advance(std::chrono::milliseconds by) {
    clock.Advance(by, [this] { RunAll(); });
    RunAll();
  }
};

HttpResponse Answer(long status, std::optional<std::chrono::seconds> retry_after = {}) {
  HttpResponse response;
  response.status = status;
  response.retry_after = retry_after;
  return response;
}

}  // namespace

TEST_CASE("the fetch queue holds each host to its limit and all hosts to the total") {
  Loop loop;
  FetchQueue queue = loop.Queue(/*max_in_flight=*/3, /*per_host=*/2);
  std::map<std::string, int> started;
  for (int i = 0; i < 5; ++i) {
    queue.Submit("a", [&] { ++started["a"]; });
    queue.Submit("b", [&] { ++started["b"]; });
  }
  loop.RunAll();
  CHECK(queue.InFlight() == 3);
  CHECK(started["a"] + started["b"] == 3);
  CHECK(started["a"] <= 2);
  CHECK(started["b"] <= 2);
  CHECK(queue.Waiting() == 7);

  queue.Done("a");
  loop.RunAll();
  CHECK(queue.InFlight() == 3);
  CHECK(started["a"] <= 3);
  CHECK(started["a"] + started["b"] == 4);
}

TEST_CASE("a busy host does not hold back another host's requests") {
  Loop loop;
  FetchQueue queue = loop.Queue(/*max_in_flight=*/10, /*per_host=*/1);
  int big = 0;
  int small = 0;
  for (int i = 0; i < 100; ++i) queue.Submit("big.example", [&] { ++big; });
  queue.Submit("small.example", [&] { ++small; });
  loop.RunAll();
  CHECK(big == 1);
  CHECK(small == 1);
}

TEST_CASE("starts never run inside Submit, and Clear drops what waits") {
  Loop loop;
  FetchQueue queue = loop.Queue(1, 1);
  bool ran = false;
  queue.Submit("h", [&] { ran = true; });
  CHECK_FALSE(ran);
  queue.Submit("h", [] {});
  queue.Clear();
  CHECK(queue.Waiting() == 0);
  loop.RunAll();
  CHECK(ran);
}

TEST_CASE("HostOf takes the authority without user info, lowercased") {
  CHECK(HostOf("https://User:pw@Example.COM:8443/a?b#c") == "example.com:8443");
  CHECK(HostOf("http://127.0.0.1/x") == "127.0.0.1");
  CHECK(HostOf("http://[::1]:9711") == "[::1]:9711");
}

TEST_CASE("a host that answers 429 with Retry-After gets no new request before it") {
  Loop loop;
  FetchQueue queue = loop.Queue(/*max_in_flight=*/10, /*per_host=*/1);
  std::vector<std::string> started;
  for (const char* name : {"a1", "a2", "a3"}) {
    queue.Submit("a", [&started, name] { started.push_back(name); });
  }
  queue.Submit("b", [&] { started.push_back("b1"); });
  loop.RunAll();
  REQUIRE(started == std::vector<std::string>{"a1", "b1"});

  queue.Done("a", Answer(429, 120s));
  queue.Submit("b", [&] { started.push_back("b2"); });  // other hosts go on
  queue.Done("b", Answer(200));
  loop.RunAll();
  CHECK(started == std::vector<std::string>{"a1", "b1", "b2"});
  CHECK(queue.Paused("a"));
  CHECK(queue.Held() == 2);
  CHECK(queue.Waiting() == 2);

  loop.Advance(119s);
  CHECK(started.size() == 3);
  loop.Advance(1s);
  // Resumed at 120 s, still one at a time: a3 waits for a2.
  CHECK(started == std::vector<std::string>{"a1", "b1", "b2", "a2"});
  CHECK_FALSE(queue.Paused("a"));
  CHECK(queue.Held() == 0);
  queue.Done("a", Answer(200));
  loop.RunAll();
  CHECK(started.back() == "a3");
}

TEST_CASE("a request submitted while its host is paused waits for the pause to end") {
  Loop loop;
  FetchQueue queue = loop.Queue(10, 4);
  int started = 0;
  queue.Submit("h", [&] { ++started; });
  loop.RunAll();
  queue.Done("h", Answer(503, 30s));
  loop.Advance(10s);
  queue.Submit("h", [&] { ++started; });
  loop.RunAll();
  CHECK(started == 1);
  loop.Advance(19s);
  CHECK(started == 1);
  loop.Advance(1s);
  CHECK(started == 2);
}

TEST_CASE("429 and 503 without Retry-After back off from 1 s, doubling up to 60 s") {
  CHECK(PauseAfter(std::nullopt, 1) == 1s);
  CHECK(PauseAfter(std::nullopt, 2) == 2s);
  CHECK(PauseAfter(std::nullopt, 6) == 32s);
  CHECK(PauseAfter(std::nullopt, 7) == 60s);
  CHECK(PauseAfter(std::nullopt, 1000) == 60s);
  CHECK(PauseAfter(120s, 3) == 120s);
  CHECK(PauseAfter(0s, 1) == 0s);
}

TEST_CASE("the backoff grows with 429s in a row and starts again after another answer") {
  Loop loop;
  FetchQueue queue = loop.Queue(10, 1);
  auto pause_after = [&](long status) {  // seconds until the host takes a request again
    queue.Submit("h", [] {});
    loop.RunAll();
    queue.Done("h", Answer(status));
    int waited = 0;
    while (queue.Paused("h")) {
      loop.Advance(1s);
      ++waited;
    }
    return waited;
  };
  CHECK(pause_after(429) == 1);
  CHECK(pause_after(503) == 2);
  CHECK(pause_after(429) == 4);
  CHECK(pause_after(404) == 0);  // another answer ends the row
  CHECK(pause_after(429) == 1);
}

TEST_CASE("a shorter pause does not cut a longer one") {
  Loop loop;
  FetchQueue queue = loop.Queue(10, 1);
  const auto now = loop.clock.MonotonicNow();
  queue.PauseHost("h", now + 60s);
  queue.PauseHost("h", now + 5s);
  loop.Advance(59s);
  CHECK(queue.Paused("h"));
  loop.Advance(1s);
  CHECK_FALSE(queue.Paused("h"));
}

TEST_CASE("a failed transfer with no HTTP answer neither pauses the host nor ends the row") {
  Loop loop;
  FetchQueue queue = loop.Queue(10, 1);
  queue.Submit("h", [] {});
  loop.RunAll();
  queue.Done("h", Answer(429));  // 1 s
  loop.Advance(1s);
  queue.Submit("h", [] {});
  loop.RunAll();
  queue.Done("h", Answer(0));  // a timeout: no answer
  CHECK_FALSE(queue.Paused("h"));
  queue.Submit("h", [] {});
  loop.RunAll();
  queue.Done("h", Answer(429));  // the second in the row: 2 s
  loop.Advance(1s);
  CHECK(queue.Paused("h"));
  loop.Advance(1s);
  CHECK_FALSE(queue.Paused("h"));
}

TEST_CASE("Clear drops the pauses with what waits") {
  Loop loop;
  FetchQueue queue = loop.Queue(10, 1);
  queue.PauseHost("h", loop.clock.MonotonicNow() + 60s);
  queue.Submit("h", [] {});
  CHECK(loop.clock.PendingTimers() == 1);
  queue.Clear();
  CHECK(loop.clock.PendingTimers() == 0);
  CHECK_FALSE(queue.Paused("h"));
  CHECK(queue.Waiting() == 0);
}

TEST_CASE("a pause is logged once though every transfer in flight answers 429") {
  Loop loop;
  FetchQueue queue = loop.Queue(10, 4);
  for (int i = 0; i < 4; ++i) queue.Submit("h", [] {});
  loop.RunAll();
  LogCapture log;
  for (int i = 0; i < 4; ++i) queue.Done("h", Answer(429, std::chrono::seconds(60 + i)));
  CHECK(log.Lines("host h: no new request for 60 s, after HTTP 429 and its Retry-After") == 1);
  CHECK(log.Lines("host h") == 1);
  loop.Advance(62s);
  CHECK(queue.Paused("h"));  // the pause grew to the longest of them
  loop.Advance(1s);
  CHECK_FALSE(queue.Paused("h"));

  queue.Submit("h", [] {});
  loop.RunAll();
  queue.Done("h", Answer(503));
  CHECK(log.Lines("host h") == 2);  // a new pause, a new line
}
