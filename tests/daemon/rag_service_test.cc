// RagService at start-up: what it queues again when what the sink gets from freshd changed.
#include "daemon/rag_service.h"

#include <catch2/catch.hpp>

#include "rag/indexer.h"
#include "tests/rag/rag_test_util.h"

namespace freshd::daemon {
namespace {

using rag::testing::Document;
using rag::testing::Fetched;

constexpr char kEmbedderKey[] = "rag/embedder";
constexpr char kMetadataFormatKey[] = "rag/metadata_format";

struct Installed {
  freshd::testing::TempDir dir;
  std::unique_ptr<store::StateStore> store = rag::testing::OpenStore(dir);
  std::size_t chunks = 0;

  // A document indexed as by an earlier run, its operations delivered.
  Installed() {
    rag::Indexer indexer(*store, {});
    const std::string text = Document(6, 1);
    REQUIRE(indexer.Record({"kb", "https://example.com/a"}, "w", Fetched(1000, text), text).ok());
    chunks = store->OutboxSize();
    REQUIRE(chunks > 0);
    store::WriteSet delivered;
    const Result<std::vector<store::OutboxEntry>> queued = store->ReadOutbox(chunks);
    REQUIRE(queued.ok());
    for (const store::OutboxEntry& entry : *queued) {
      delivered.RemoveFromOutbox(entry.sequence);
    }
    REQUIRE(store->Apply(delivered).ok());
    REQUIRE(store->OutboxSize() == 0);
  }
};

config::Config WebhookConfig() {
  config::Config config;
  config.rag_store.kind = config::RagStore::Kind::kWebhook;
  config.rag_store.webhook_url = "http://127.0.0.1:9/ingest";  // never called: not started
  config.embedder.dims = 64;
  return config;
}

std::size_t PendingAfterStart(const config::Config& config, store::StateStore& store) {
  metrics::Metrics metrics("test");
  RagService service(config, store, metrics, [] { return std::int64_t{5000}; });
  return store.OutboxSize();
}

TEST_CASE("an upgrade to the new chunk metadata sends every chunk to an external sink again") {
  Installed installed;
  REQUIRE(installed.store->PutValue(kEmbedderKey, "hashing/64").ok());  // format 1: no key
  CHECK(PendingAfterStart(WebhookConfig(), *installed.store) == installed.chunks);
  CHECK(installed.store->GetValue(kMetadataFormatKey).value() == "2");
  // Once only: the next start queues nothing more.
  CHECK(PendingAfterStart(WebhookConfig(), *installed.store) == installed.chunks);
}

TEST_CASE("nothing is sent again when neither the embedder nor the metadata format changed") {
  Installed installed;
  REQUIRE(installed.store->PutValue(kEmbedderKey, "hashing/64").ok());
  REQUIRE(installed.store->PutValue(kMetadataFormatKey, "2").ok());
  CHECK(PendingAfterStart(WebhookConfig(), *installed.store) == 0);
}

TEST_CASE("the embedded sink keeps its own records: the metadata format does not resend them") {
  Installed installed;
  REQUIRE(installed.store->PutValue(kEmbedderKey, "hashing/64").ok());
  config::Config config = WebhookConfig();
  config.rag_store.kind = config::RagStore::Kind::kEmbedded;
  CHECK(PendingAfterStart(config, *installed.store) == 0);
}

TEST_CASE("a changed embedder sends every chunk again once") {
  Installed installed;
  REQUIRE(installed.store->PutValue(kEmbedderKey, "hashing/384").ok());
  REQUIRE(installed.store->PutValue(kMetadataFormatKey, "2").ok());
  CHECK(PendingAfterStart(WebhookConfig(), *installed.store) == installed.chunks);
  CHECK(installed.store->GetValue(kEmbedderKey).value() == "hashing/64");
}

TEST_CASE("a new store sends nothing again and records what it was started with") {
  Installed installed;  // chunks indexed, but no fingerprint stored: as on a first start
  CHECK(PendingAfterStart(WebhookConfig(), *installed.store) == 0);
  CHECK(installed.store->GetValue(kEmbedderKey).value() == "hashing/64");
  CHECK(installed.store->GetValue(kMetadataFormatKey).value() == "2");
}

}  // namespace
}  // namespace freshd::daemon
