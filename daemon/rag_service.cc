#include "daemon/rag_service.h"

#include <spdlog/spdlog.h>

namespace freshd::daemon {
namespace {

std::string_view SinkKind(config::RagStore::Kind kind) {
  switch (kind) {
    case config::RagStore::Kind::kEmbedded:
      return "embedded";
    case config::RagStore::Kind::kChroma:
      return "chroma";
    case config::RagStore::Kind::kPostgres:
      return "postgres";
    case config::RagStore::Kind::kWebhook:
      return "webhook";
  }
  return "embedded";
}

std::unique_ptr<rag::Embedder> MakeEmbedder(const config::Embedder& settings) {
  switch (settings.kind) {
    case config::Embedder::Kind::kNone:
      return rag::MakeNoEmbedder();
    case config::Embedder::Kind::kHashing:
      return rag::MakeHashingEmbedder(settings.dims);
    case config::Embedder::Kind::kOpenAi: {
      rag::OpenAiOptions options;
      options.base_url = settings.base_url;
      options.model = settings.model;
      options.api_key = settings.api_key;
      return rag::MakeOpenAiEmbedder(options);  // the model decides the vector size
    }
  }
  return rag::MakeHashingEmbedder(settings.dims);
}

std::unique_ptr<rag::Sink> MakeExternalSink(const config::Config& config) {
  const config::RagStore& settings = config.rag_store;
  switch (settings.kind) {
    case config::RagStore::Kind::kChroma: {
      rag::ChromaOptions options;
      options.url = settings.chroma_url;
      options.collection = settings.chroma_collection;
      return rag::MakeChromaSink(options);
    }
    case config::RagStore::Kind::kPostgres: {
      rag::PostgresOptions options;
      options.dsn = settings.postgres_dsn;
      options.table = settings.postgres_table;
      if (config.embedder.kind == config::Embedder::Kind::kHashing) {
        options.dims = config.embedder.dims;
      }
      return rag::MakePostgresSink(options);
    }
    case config::RagStore::Kind::kWebhook: {
      rag::WebhookOptions options;
      options.url = settings.webhook_url;
      for (const auto& header : settings.webhook_headers) {
        options.headers.emplace_back(header.name, header.value);
      }
      return rag::MakeWebhookSink(options);
    }
    case config::RagStore::Kind::kEmbedded:
      break;
  }
  return nullptr;
}

}  // namespace

RagService::RagService(const config::Config& config, store::StateStore& store,
                       metrics::Metrics& metrics, std::function<std::int64_t()> now_ms)
    : sink_kind_(SinkKind(config.rag_store.kind)),
      embedder_(MakeEmbedder(config.embedder)),
      query_embedder_(MakeEmbedder(config.embedder)) {
  if (config.rag_store.kind == config::RagStore::Kind::kEmbedded) {
    auto embedded = std::make_unique<rag::EmbeddedIndex>(store);
    embedded_ = embedded.get();
    sink_ = std::move(embedded);
  } else {
    sink_ = MakeExternalSink(config);
  }
  indexer_ = std::make_unique<rag::Indexer>(
      store, rag::ChunkingOptions{config.chunking.max_chars, config.chunking.overlap_chars});
  metrics.AddSink(sink_kind_);
  delivery_ = std::make_unique<rag::Delivery>(store, *sink_, *embedder_, *indexer_,
                                              std::move(now_ms), rag::DeliveryOptions{},
                                              MakeEvents(metrics));
  pending_ = store.OutboxSize();
  chunks_ = delivery_->ChunksHeld();
  metrics.SetIndexPending(sink_kind_, static_cast<double>(pending_));
  metrics.SetIndexChunks(sink_kind_, static_cast<double>(chunks_));
}

RagService::~RagService() { Stop(); }

rag::DeliveryEvents RagService::MakeEvents(metrics::Metrics& metrics) {
  rag::DeliveryEvents events;
  const std::string sink = sink_kind_;
  events.on_operations = [&metrics, sink](rag::IndexOperation::Kind kind, bool ok,
                                          std::size_t count) {
    metrics.CountIndexOperations(sink, rag::ToString(kind), ok, count);
  };
  events.on_lag = [&metrics, sink](double seconds) { metrics.ObserveIndexLag(sink, seconds); };
  events.on_totals = [this, &metrics, sink](std::uint64_t pending, std::uint64_t chunks) {
    pending_ = pending;
    chunks_ = chunks;
    metrics.SetIndexPending(sink, static_cast<double>(pending));
    metrics.SetIndexChunks(sink, static_cast<double>(chunks));
  };
  events.on_state = [this, sink](const std::string& error) {
    {
      std::lock_guard lock(error_mutex_);
      error_ = error;
    }
    if (error.empty()) {
      spdlog::info("rag sink {}: delivering again", sink);
    } else {
      spdlog::warn("rag sink {}: failing, operations kept in the outbox and retried: {}", sink,
                   error);
    }
  };
  return events;
}

void RagService::Start() { delivery_->Start(); }
void RagService::Notify() { delivery_->Notify(); }
void RagService::Stop() {
  if (delivery_) delivery_->Stop();
}

rag::BatchResult RagService::DeliverAll() { return delivery_->DeliverAll(); }

void RagService::Reconcile(rag::Delivery::ReconcileDone done) {
  delivery_->Reconcile(std::move(done));
}

nlohmann::json RagService::StateJson() const {
  std::lock_guard lock(error_mutex_);
  return {{"sink", sink_kind_},
          {"state", error_.empty() ? "ok" : "failing"},
          {"pending_operations", pending_.load()},
          {"chunks", chunks_.load()},
          {"last_error", error_.empty() ? nlohmann::json(nullptr) : nlohmann::json(error_)}};
}

std::vector<rag::SearchHit> RagService::Search(std::string_view query, std::size_t k) {
  if (embedded_ == nullptr) return {};
  rag::Vector query_vector;
  if (query_embedder_->kind() != "none") {
    rag::EmbedResult embedded = query_embedder_->Embed({std::string(query)});
    if (embedded.ok && embedded.vectors.size() == 1) query_vector = std::move(embedded.vectors[0]);
  }
  return embedded_->Search(query, query_vector, k);
}

}  // namespace freshd::daemon
