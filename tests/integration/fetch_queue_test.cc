#include "daemon/fetch_queue.h"

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <vector>

using freshd::daemon::FetchQueue;
using freshd::daemon::HostOf;

namespace {

// Runs deferred starts when told to, as the event loop would.
struct Loop {
  std::vector<std::function<void()>> pending;
  FetchQueue::Defer defer() {
    return [this](std::function<void()> start) { pending.push_back(std::move(start)); };
  }
  void RunAll() {
    auto now = std::move(pending);
    pending.clear();
    for (auto& start : now) start();
  }
};

}  // namespace

TEST_CASE("the fetch queue holds each host to its limit and all hosts to the total") {
  Loop loop;
  FetchQueue queue(/*max_in_flight=*/3, /*per_host=*/2, loop.defer());
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
  FetchQueue queue(/*max_in_flight=*/10, /*per_host=*/1, loop.defer());
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
  FetchQueue queue(1, 1, loop.defer());
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
