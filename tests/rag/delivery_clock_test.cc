// The delivery loop's backoff in simulated time: a sink that always fails, a ManualClock,
// and the deadlines the loop chose to wait for.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "rag/delivery.h"
#include "rag/embedder.h"
#include "rag/indexer.h"
#include "scheduler/clock.h"
#include "tests/rag/rag_test_util.h"

namespace freshd::rag {
namespace {

using namespace std::chrono_literals;
using scheduler::ManualClock;
using scheduler::MonotonicTime;

// Refuses every batch as unreachable; keeps the clock's time of each attempt.
class DownSink final : public Sink {
 public:
  explicit DownSink(const ManualClock& clock) : clock_(clock) {}
  std::string_view kind() const override { return "down"; }
  Status Apply(const std::vector<SinkOperation>&) override {
    std::lock_guard lock(mutex_);
    attempts_.push_back(clock_.MonotonicNow());
    return Status::Unavailable("connection refused");
  }
  Result<std::vector<std::string>> ListChunkIds() override {
    return Status::Unavailable("cannot list");
  }
  std::vector<MonotonicTime> Attempts() {
    std::lock_guard lock(mutex_);
    return attempts_;
  }

 private:
  const ManualClock& clock_;
  std::mutex mutex_;
  std::vector<MonotonicTime> attempts_;
};

// Spins (no sleep, no deadline) until the loop made `attempts` attempts and waits again.
// The attempts are read before the deadline: the loop leaves its previous wait before it
// attempts, so a deadline read after the count cannot be the stale one.
MonotonicTime WaitingAfter(DownSink& sink, const ManualClock& clock, std::size_t attempts) {
  for (;;) {
    const bool attempted = sink.Attempts().size() == attempts;
    auto deadline = clock.NextWaitDeadline();
    if (attempted && deadline) return *deadline;
    std::this_thread::yield();
  }
}

// A sink whose Prepare fails until `ready` is set; counts the Prepare calls and the batches.
class LateSink final : public Sink {
 public:
  std::string_view kind() const override { return "late"; }
  Status Prepare() override {
    ++prepares;
    return ready ? Status::OK() : Status::Unavailable("collection cannot be made");
  }
  Status Apply(const std::vector<SinkOperation>&) override {
    ++batches;
    return Status::OK();
  }
  Result<std::vector<std::string>> ListChunkIds() override { return std::vector<std::string>(); }

  std::atomic<bool> ready{false};
  std::atomic<int> prepares{0};
  std::atomic<int> batches{0};
};

}  // namespace

TEST_CASE("a sink that cannot be prepared is failing with nothing pending and gets no batch") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {});
  auto embedder = MakeHashingEmbedder(64);
  ManualClock clock(scheduler::TimePoint(std::chrono::hours(24 * 20000)));
  LateSink sink;
  DeliveryOptions options;
  options.first_backoff = 1s;
  options.idle_poll = 1h;
  options.clock = &clock;
  std::mutex mutex;
  std::vector<std::string> states;
  DeliveryEvents events;
  events.on_state = [&](const std::string& error) {
    std::lock_guard lock(mutex);
    states.push_back(error);
  };
  Delivery delivery(
      *store, sink, *embedder, indexer, [] { return std::int64_t{10'000}; }, options, events);
  delivery.Start();
  while (sink.prepares < 1 || !clock.NextWaitDeadline()) std::this_thread::yield();
  {
    std::lock_guard lock(mutex);
    CHECK(states == std::vector<std::string>{"collection cannot be made"});
  }
  CHECK(sink.batches == 0);

  // Prepared at the next attempt, after the backoff: the state clears.
  sink.ready = true;
  clock.Advance(1s);
  while (sink.prepares < 2 || !clock.NextWaitDeadline()) std::this_thread::yield();
  for (;;) {
    std::lock_guard lock(mutex);
    if (states.size() == 2) break;
    std::this_thread::yield();
  }
  delivery.Stop();
  std::lock_guard lock(mutex);
  CHECK(states.back().empty());
  CHECK(sink.prepares == 2);  // never again once prepared
}

TEST_CASE("the delivery backs off exponentially in the clock's time up to its cap") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {});
  auto embedder = MakeHashingEmbedder(64);
  const store::DocumentKey key{"s", "https://example.com/a"};
  const std::string text = testing::Document(2, 1);
  REQUIRE(indexer.Record(key, "w", testing::Fetched(1000, text), text).ok());

  ManualClock clock(scheduler::TimePoint(std::chrono::hours(24 * 20000)));
  DownSink sink(clock);
  DeliveryOptions options;
  options.first_backoff = 1s;
  options.max_backoff = 8s;
  options.idle_poll = 1h;
  options.clock = &clock;
  Delivery delivery(
      *store, sink, *embedder, indexer, [] { return std::int64_t{10'000}; }, options);
  delivery.Start();

  const std::vector<std::chrono::milliseconds> expected = {1s, 2s, 4s, 8s, 8s};
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const MonotonicTime deadline = WaitingAfter(sink, clock, k + 1);
    CHECK(deadline - sink.Attempts().back() == expected[k]);
    clock.Advance(std::chrono::duration_cast<scheduler::Duration>(deadline - clock.MonotonicNow()));
  }
  WaitingAfter(sink, clock, expected.size() + 1);
  delivery.Stop();
  CHECK(store->OutboxSize() > 0);  // nothing lost while the sink is down
}

}  // namespace freshd::rag
