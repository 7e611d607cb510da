// The delivery loop against real sinks: the embedded index (RocksDB) and the webhook sink
// posting to a receiver on loopback that fails on demand.
#include "rag/delivery.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "rag/embedded_index.h"
#include "rag/embedder.h"
#include "rag/indexer.h"
#include "rag/tables.h"
#include "tests/rag/rag_test_util.h"
#include "tests/store/status_testing.h"
#include "tests/support/fault_server.h"

namespace freshd::rag {
namespace {

using freshd::testing::Ok;

using testing::Document;
using testing::Fetched;
using testing::Gone;

// The chunk ids the current texts of `documents` should have in the sink.
std::vector<std::string> ExpectedIds(
    const std::vector<std::pair<store::DocumentKey, std::string>>& documents) {
  std::vector<std::string> ids;
  for (const auto& [key, text] : documents) {
    for (const Chunk& chunk : ChunkText(DocumentChunksKey(key.source, key.uri), text, {})) {
      ids.push_back(chunk.id);
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::int64_t FixedNow() { return 10'000; }

DeliveryOptions Batches(std::size_t size) {
  DeliveryOptions options;
  options.batch_size = size;
  return options;
}

struct Harness {
  freshd::testing::TempDir dir;
  std::unique_ptr<store::StateStore> store = testing::OpenStore(dir);
  Indexer indexer{*store, {}};
  std::unique_ptr<Embedder> embedder = MakeHashingEmbedder(64);

  void Check(const store::DocumentKey& key, const store::Observation& seen,
             const std::string& text) {
    REQUIRE(indexer.Record(key, "w", seen, text).ok());
  }
};

TEST_CASE("delivered to the embedded index: it holds exactly the current chunks") {
  Harness h;
  EmbeddedIndex index(*h.store);
  std::vector<std::pair<std::size_t, bool>> reported;
  DeliveryEvents events;
  std::vector<double> lags;
  events.on_lag = [&](double seconds) { lags.push_back(seconds); };
  Delivery delivery(*h.store, index, *h.embedder, h.indexer, FixedNow, Batches(7), events);

  const store::DocumentKey a{"s", "https://example.com/a"}, b{"s", "https://example.com/b"};
  h.Check(a, Fetched(1000, Document(20, 1)), Document(20, 1));
  h.Check(b, Fetched(1000, Document(10, 2)), Document(10, 2));
  BatchResult first = delivery.DeliverAll();
  REQUIRE(first.ok());
  CHECK(h.store->OutboxSize() == 0);
  CHECK(index.ListChunkIds().value() == ExpectedIds({{a, Document(20, 1)}, {b, Document(10, 2)}}));
  CHECK(delivery.ChunksHeld() == index.ChunkCount());
  REQUIRE_FALSE(lags.empty());
  CHECK(lags.front() == Approx(9.0));  // detected at 1 s, acknowledged at 10 s

  h.Check(a, Fetched(2000, Document(20, 1, 4)), Document(20, 1, 4));  // one paragraph edited
  h.Check(b, Gone(2000), "");
  h.Check(b, Gone(3000), "");  // the second miss removes it
  REQUIRE(delivery.DeliverAll().ok());
  CHECK(index.ListChunkIds().value() == ExpectedIds({{a, Document(20, 1, 4)}}));
  CHECK(delivery.ChunksHeld() == index.ChunkCount());
  CHECK(Ok(index.Search("reworded", {}, 1)).size() == 1);
}

// Keeps what it was sent; answers 503 while `down`.
struct Receiver {
  freshd::testing::FaultServer server;
  std::atomic<bool> down{false};
  std::mutex mutex;
  std::vector<nlohmann::json> events;

  Receiver() {
    server.Route("/ingest", freshd::testing::FaultServer::Handler{[this](const auto& request) {
                   if (down) return freshd::testing::FaultServer::Plain().Status(503);
                   const auto body = nlohmann::json::parse(request.body);
                   std::lock_guard lock(mutex);
                   for (const auto& event : body["events"]) {
                     events.push_back(event);
                   }
                   return freshd::testing::FaultServer::Plain().Status(200);
                 }});
  }
  // The chunk ids a receiver applying the events in order would hold.
  std::set<std::string> Held() {
    std::lock_guard lock(mutex);
    std::set<std::string> held;
    for (const auto& event : events) {
      if (event["op"] == "upsert") held.insert(event["id"].get<std::string>());
      if (event["op"] == "delete") held.erase(event["id"].get<std::string>());
    }
    return held;
  }
};

std::unique_ptr<Sink> WebhookTo(Receiver& receiver) {
  WebhookOptions options;
  options.url = receiver.server.Url("/ingest");
  return MakeWebhookSink(options);
}

TEST_CASE("while the sink is down nothing is lost, nothing embedded twice: then all arrives") {
  Harness h;
  Receiver receiver;
  auto sink = WebhookTo(receiver);
  std::map<std::string, std::size_t> operations;  // "upsert ok" -> count
  DeliveryEvents events;
  events.on_operations = [&](IndexOperation::Kind kind, bool ok, std::size_t count) {
    operations[std::string(ToString(kind)) + (ok ? " ok" : " error")] += count;
  };
  Delivery delivery(*h.store, *sink, *h.embedder, h.indexer, FixedNow, Batches(1000), events);

  const store::DocumentKey key{"s", "https://example.com/a"};
  h.Check(key, Fetched(1000, Document(20, 3)), Document(20, 3));
  const std::uint64_t queued = h.store->OutboxSize();
  receiver.down = true;
  BatchResult failed = delivery.DeliverBatch();
  CHECK_FALSE(failed.ok());
  CHECK_THAT(failed.status.message(), Catch::Contains("503"));
  CHECK(h.store->OutboxSize() == queued);
  CHECK(operations["upsert error"] == queued);
  // The vectors were made once and kept: a retry reuses them.
  std::size_t vectors = 0;
  Ok(h.store->Scan(Ok(FindTables(*h.store)).vectors, "", "",
                   [&](auto, auto) { return ++vectors, true; }));
  CHECK(vectors == queued);

  h.Check(key, Fetched(2000, Document(20, 3, 11)), Document(20, 3, 11));  // more while down
  receiver.down = false;
  REQUIRE(delivery.DeliverAll().ok());
  CHECK(h.store->OutboxSize() == 0);
  const auto expected = ExpectedIds({{key, Document(20, 3, 11)}});
  CHECK(receiver.Held() == std::set<std::string>(expected.begin(), expected.end()));
  CHECK(operations["upsert ok"] >= expected.size());
  std::lock_guard lock(receiver.mutex);
  for (const auto& event : receiver.events) {
    if (event["op"] == "upsert") CHECK(event["vector"].size() == 64);
  }
}

TEST_CASE("a batch sends each chunk once, its last operation winning, upserts first") {
  Harness h;
  Receiver receiver;
  auto sink = WebhookTo(receiver);
  Delivery delivery(*h.store, *sink, *h.embedder, h.indexer, FixedNow, Batches(1000));
  const store::DocumentKey key{"s", "https://example.com/a"};
  const std::string one = Document(6, 4), two = Document(6, 5);
  h.Check(key, Fetched(1000, one), one);
  h.Check(key, Fetched(2000, two), two);
  h.Check(key, Fetched(3000, one), one);  // back to the first text before any delivery
  REQUIRE(delivery.DeliverBatch().ok());

  std::lock_guard lock(receiver.mutex);
  std::set<std::string> seen;
  bool delete_seen = false;
  for (const auto& event : receiver.events) {
    CHECK(seen.insert(event["id"].get<std::string>()).second);
    if (event["op"] == "delete") delete_seen = true;
    if (event["op"] == "upsert") CHECK_FALSE(delete_seen);
  }
  std::set<std::string> upserted;
  for (const auto& event : receiver.events) {
    if (event["op"] == "upsert") upserted.insert(event["id"].get<std::string>());
  }
  const auto expected = ExpectedIds({{key, one}});
  CHECK(upserted == std::set<std::string>(expected.begin(), expected.end()));
}

TEST_CASE("the loop delivers on notification and backs off while the sink fails") {
  Harness h;
  Receiver receiver;
  receiver.down = true;
  auto sink = WebhookTo(receiver);
  std::mutex mutex;
  std::vector<std::string> states;
  DeliveryEvents events;
  events.on_state = [&](const std::string& error) {
    std::lock_guard lock(mutex);
    states.push_back(error);
  };
  DeliveryOptions options;
  options.first_backoff = std::chrono::milliseconds(20);
  options.max_backoff = std::chrono::milliseconds(80);
  options.idle_poll = std::chrono::milliseconds(60000);  // only a notification wakes it
  Delivery delivery(*h.store, *sink, *h.embedder, h.indexer, FixedNow, options, events);
  delivery.Start();
  const store::DocumentKey key{"s", "https://example.com/a"};
  h.Check(key, Fetched(1000, Document(3, 6)), Document(3, 6));
  delivery.Notify();

  auto wait_for = [](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  };
  REQUIRE(wait_for([&] { return receiver.server.RequestCount("/ingest") >= 4; }));
  CHECK(h.store->OutboxSize() > 0);
  receiver.down = false;
  REQUIRE(wait_for([&] { return h.store->OutboxSize() == 0; }));
  delivery.Stop();
  std::lock_guard lock(mutex);
  REQUIRE(states.size() == 2);  // one line when it failed, one when it recovered
  CHECK_FALSE(states[0].empty());
  CHECK(states[1].empty());
}

TEST_CASE("reconciliation repairs a sink that lost chunks or kept stale ones") {
  Harness h;
  EmbeddedIndex index(*h.store);
  Delivery delivery(*h.store, index, *h.embedder, h.indexer, FixedNow);
  const store::DocumentKey key{"s", "https://example.com/a"};
  const std::string text = Document(12, 7);
  h.Check(key, Fetched(1000, text), text);
  REQUIRE(delivery.DeliverAll().ok());
  const auto expected = ExpectedIds({{key, text}});

  // Behind freshd's back: one chunk lost, one stale chunk added.
  SinkOperation lost, stale;
  lost.operation.kind = IndexOperation::Kind::kDelete;
  lost.operation.chunk_id = expected[0];
  stale.operation.kind = IndexOperation::Kind::kUpsert;
  stale.operation.chunk_id = "stale-chunk";
  stale.operation.text = "an old text nobody watches";
  REQUIRE(index.Apply({stale, lost}).ok());

  bool ok = false;
  Indexer::ReconcilePlan plan;
  delivery.Reconcile([&](const Result<Indexer::ReconcilePlan>& result) {
    ok = result.ok();
    if (ok) plan = *result;
  });
  REQUIRE(ok);
  CHECK(plan.desired == expected.size());
  CHECK(plan.held == expected.size());  // one lost, one added
  CHECK(plan.missing == 1);
  CHECK(plan.extra == 1);
  REQUIRE(delivery.DeliverAll().ok());
  CHECK(index.ListChunkIds().value() == expected);
  CHECK(delivery.ChunksHeld() == expected.size());
}

TEST_CASE("an operation its document no longer wants is dropped, whatever its place") {
  Harness h;
  EmbeddedIndex index(*h.store);
  Delivery delivery(*h.store, index, *h.embedder, h.indexer, FixedNow);
  const store::DocumentKey key{"s", "https://example.com/a"};
  const std::string one = Document(8, 8), two = Document(8, 9);
  h.Check(key, Fetched(1000, one), one);
  h.Check(key, Fetched(2000, two), two);
  // An upsert of the first version queued late, as a reconciliation planned before the
  // change and written after it would queue it.
  const auto stale = ChunkText(DocumentChunksKey(key.source, key.uri), one, {}).front();
  IndexOperation late;
  late.chunk_id = stale.id;
  late.text = stale.text;
  late.metadata = {"w", key.source, key.uri, 1000, ""};
  store::WriteSet writes;
  writes.AppendToOutbox(EncodeOperation(late));
  REQUIRE(h.store->Apply(writes).ok());

  REQUIRE(delivery.DeliverAll().ok());
  CHECK(index.ListChunkIds().value() == ExpectedIds({{key, two}}));
  CHECK(h.store->OutboxSize() == 0);
}

TEST_CASE("a chunk the sink refuses for good is set aside, and the others are delivered") {
  Harness h;
  freshd::testing::FaultServer server;
  std::mutex mutex;
  std::set<std::string> received;
  server.Route("/ingest",
               freshd::testing::FaultServer::Handler{
                   [&](const freshd::testing::FaultServer::Request& request) {
                     if (request.body.find("POISON") != std::string::npos) {
                       return freshd::testing::FaultServer::Plain().Status(400).Body("bad chunk");
                     }
                     const auto body = nlohmann::json::parse(request.body);
                     std::lock_guard lock(mutex);
                     for (const auto& event : body["events"]) {
                       received.insert(event["id"].get<std::string>());
                     }
                     return freshd::testing::FaultServer::Plain().Status(200);
                   }});
  WebhookOptions options;
  options.url = server.Url("/ingest");
  auto sink = MakeWebhookSink(options);
  std::size_t refused = 0;
  DeliveryEvents events;
  events.on_operations = [&](IndexOperation::Kind, bool ok, std::size_t count) {
    if (!ok) refused += count;
  };
  Delivery delivery(*h.store, *sink, *h.embedder, h.indexer, FixedNow, Batches(64), events);

  std::vector<std::pair<store::DocumentKey, std::string>> documents;
  for (int i = 0; i < 5; ++i) {
    const store::DocumentKey key{"s", "https://example.com/" + std::to_string(i)};
    std::string text = Document(6, 20 + i);
    if (i == 2) text += "\n\nThis paragraph is POISON to the sink.";
    h.Check(key, Fetched(1000, text), text);
    documents.emplace_back(key, text);
  }
  const BatchResult result = delivery.DeliverAll();
  CHECK(result.ok());
  CHECK(h.store->OutboxSize() == 0);
  std::vector<std::string> dead;
  Ok(h.store->Scan(Ok(FindTables(*h.store)).dead_letters, "", "",
                   [&](auto, std::string_view value) {
                     dead.emplace_back(value);
                     return true;
                   }));
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].find("POISON") != std::string::npos);
  CHECK(refused > 0);
  const auto expected = ExpectedIds(documents);
  std::lock_guard lock(mutex);
  CHECK(received.size() == expected.size() - 1);  // all but the poison chunk
}

TEST_CASE("a sink that refuses everything (a wrong token) gets nothing set aside beyond three") {
  Harness h;
  freshd::testing::FaultServer server;
  server.Route("/ingest", freshd::testing::FaultServer::Plain().Status(401).Body("bad token"));
  WebhookOptions options;
  options.url = server.Url("/ingest");
  auto sink = MakeWebhookSink(options);
  Delivery delivery(*h.store, *sink, *h.embedder, h.indexer, FixedNow, Batches(64));
  const store::DocumentKey key{"s", "https://example.com/a"};
  h.Check(key, Fetched(1000, Document(10, 30)), Document(10, 30));
  const std::uint64_t queued = h.store->OutboxSize();

  const BatchResult result = delivery.DeliverAll();
  CHECK_FALSE(result.ok());
  CHECK_THAT(result.status.message(), Catch::Contains("401"));
  std::size_t dead = 0;
  Ok(h.store->Scan(Ok(FindTables(*h.store)).dead_letters, "", "",
                   [&](auto, auto) { return ++dead, true; }));
  CHECK(dead == 3);
  CHECK(h.store->OutboxSize() == queued - 3);  // the rest waits for the token to be fixed
}

}  // namespace
}  // namespace freshd::rag
