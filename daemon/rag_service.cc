#include "daemon/rag_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <set>

#include "common/strings.h"
#include "common/time_text.h"
#include "config/units.h"
#include "daemon/source_removal.h"
#include "rag/operations.h"
#include "watchers/url.h"

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

// Unix ms as RFC 3339 UTC, or null when unknown (as the API writes times: daemon/api.h).
nlohmann::json TimestampJson(std::int64_t unix_ms) {
  if (unix_ms <= 0) return nullptr;
  return FormatRfc3339(unix_ms, TimePrecision::kSeconds);
}

constexpr char kEmbedderKey[] = "rag/embedder";
constexpr char kMetadataFormatKey[] = "rag/metadata_format";
// The external sinks' chunk metadata (rag/sink_json.h). Format 1 had `source` = freshd's source
// name and Unix-millisecond times.
constexpr char kMetadataFormat[] = "2";
constexpr char kSourcesKey[] = "rag/sources";
constexpr std::int64_t kForgetRetryMs = 60'000;

// What makes two embedders' vectors comparable: never the API key, nor a password in the
// URL (the fingerprint is stored and logged).
std::string EmbedderFingerprint(const config::Embedder& settings) {
  switch (settings.kind) {
    case config::Embedder::Kind::kNone:
      return "none";
    case config::Embedder::Kind::kHashing:
      return "hashing/" + std::to_string(settings.dims);
    case config::Embedder::Kind::kOpenAi:
      return "openai/" + watchers::WithoutUserinfo(settings.base_url) + "/" + settings.model;
  }
  return "";
}

// A search waits for its query's vector: one attempt with a short timeout, so that an
// embedding API that is down slows searches a little, never for minutes.
std::unique_ptr<rag::Embedder> MakeEmbedder(const config::Embedder& settings, bool for_queries,
                                            std::stop_token stop) {
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
      options.stop = stop;
      if (for_queries) {
        options.max_attempts = 1;
        options.timeout = std::chrono::seconds(10);
      }
      return rag::MakeOpenAiEmbedder(options);  // the model decides the vector size
    }
  }
  return rag::MakeHashingEmbedder(settings.dims);
}

rag::EmbedderInfo DescribeEmbedder(const config::Embedder& settings) {
  rag::EmbedderInfo info;
  switch (settings.kind) {
    case config::Embedder::Kind::kNone:
      info.kind = "none";
      break;
    case config::Embedder::Kind::kHashing:
      info.kind = "hashing";
      info.dims = settings.dims;
      break;
    case config::Embedder::Kind::kOpenAi:
      info.kind = "openai";
      info.model = settings.model;
      info.base_url = watchers::WithoutUserinfo(settings.base_url);
      info.api_key_env = settings.api_key_env;
      break;
  }
  return info;
}

std::vector<std::pair<std::string, std::string>> HeaderPairs(
    const std::vector<config::Header>& headers) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& header : headers) pairs.emplace_back(header.name, header.value);
  return pairs;
}

std::string_view DistanceName(config::RagStore::Distance distance) {
  switch (distance) {
    case config::RagStore::Distance::kCosine:
      return "cosine";
    case config::RagStore::Distance::kL2:
      return "l2";
    case config::RagStore::Distance::kInnerProduct:
      return "ip";
  }
  return "cosine";
}

std::unique_ptr<rag::Sink> MakeExternalSink(const config::Config& config, std::stop_token stop) {
  const config::RagStore& settings = config.rag_store;
  switch (settings.kind) {
    case config::RagStore::Kind::kChroma: {
      rag::ChromaOptions options;
      options.url = settings.chroma_url;
      options.collection = settings.chroma_collection;
      options.tenant = settings.chroma_tenant;
      options.database = settings.chroma_database;
      options.headers = HeaderPairs(settings.chroma_headers);
      options.distance = DistanceName(settings.chroma_distance);
      options.embedder = DescribeEmbedder(config.embedder);
      options.stop = stop;
      return rag::MakeChromaSink(options);
    }
    case config::RagStore::Kind::kPostgres: {
      rag::PostgresOptions options;
      options.dsn = settings.postgres_dsn;
      options.layout = settings.postgres_layout == config::RagStore::PostgresLayout::kLangchain
                           ? rag::PostgresOptions::Layout::kLangchain
                           : rag::PostgresOptions::Layout::kFreshd;
      options.table = settings.postgres_table;
      options.collection = settings.postgres_collection;
      options.text_search = settings.postgres_text_search;
      options.embedder = DescribeEmbedder(config.embedder);
      options.stop = stop;
      return rag::MakePostgresSink(options);
    }
    case config::RagStore::Kind::kWebhook: {
      rag::WebhookOptions options;
      options.url = settings.webhook_url;
      options.headers = HeaderPairs(settings.webhook_headers);
      options.stop = stop;
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
    : store_(store),
      now_ms_(now_ms),
      sink_kind_(SinkKind(config.rag_store.kind)),
      embedder_(MakeEmbedder(config.embedder, /*for_queries=*/false, stop_.get_token())),
      query_embedder_(MakeEmbedder(config.embedder, /*for_queries=*/true, stop_.get_token())) {
  if (config.rag_store.kind == config::RagStore::Kind::kEmbedded) {
    auto embedded = std::make_unique<rag::EmbeddedIndex>(store);
    embedded_ = embedded.get();
    sink_ = std::move(embedded);
  } else {
    sink_ = MakeExternalSink(config, stop_.get_token());
  }
  indexer_ = std::make_unique<rag::Indexer>(
      store, rag::ChunkingOptions{config.chunking.max_chars, config.chunking.overlap_chars});
  metrics.AddSink(sink_kind_);
  rag::DeliveryOptions options;
  options.vector_namespace = EmbedderFingerprint(config.embedder);
  ResendIfChanged(options.vector_namespace, embedded_ == nullptr, now_ms());
  delivery_ = std::make_unique<rag::Delivery>(store, *sink_, *embedder_, *indexer_,
                                              std::move(now_ms), options, MakeEvents(metrics));
  pending_ = store.OutboxSize();
  NoteOldestPending(pending_);
  chunks_ = delivery_->ChunksHeld();
  metrics.SetIndexPending(sink_kind_, static_cast<double>(pending_));
  metrics.SetIndexChunks(sink_kind_, static_cast<double>(chunks_));
}

RagService::~RagService() { Stop(); }

// Unknown when the store cannot be read: then nothing is decided, and the next start looks
// again.
std::optional<std::optional<std::string>> RagService::StoredValue(const char* key) {
  Result<std::string> value = store_.GetValue(key);
  if (value.ok()) return std::optional<std::string>(std::move(*value));
  if (value.status().IsNotFound()) return std::optional<std::string>();
  spdlog::error("cannot read {}: {}", key, value.status().ToString());
  return std::nullopt;
}

void RagService::ResendIfChanged(const std::string& fingerprint, bool external,
                                 std::int64_t now_ms) {
  const auto embedder = StoredValue(kEmbedderKey);
  const auto metadata = StoredValue(kMetadataFormatKey);
  if (!embedder || !metadata) return;
  // A store without a fingerprint is new: it has no chunks to send again.
  const bool installed = embedder->has_value();
  std::vector<std::string> reasons;
  if (installed && **embedder != fingerprint) {
    reasons.push_back("the embedder changed (" + **embedder + " -> " + fingerprint + ")");
  }
  if (installed && external && metadata->value_or("1") != kMetadataFormat) {
    reasons.push_back("the chunk metadata format changed (" + metadata->value_or("1") + " -> " +
                      kMetadataFormat + ")");
  }
  if (!reasons.empty()) {
    const std::string why = strings::Join(reasons, " and ");
    Result<std::uint64_t> queued = indexer_->QueueResendAll(now_ms);
    if (!queued.ok()) {  // the keys stay: the next start queues them again
      spdlog::error("{}: cannot queue the chunks again: {}", why, queued.status().ToString());
      return;
    }
    spdlog::warn("{}: {} chunks queued to be sent again", why, *queued);
  }
  for (const auto& [key, value] : {std::pair<const char*, std::string>{kEmbedderKey, fingerprint},
                                   {kMetadataFormatKey, kMetadataFormat}}) {
    if (Status stored = store_.PutValue(key, value); !stored.ok()) {
      spdlog::error("cannot store {}: {}", key, stored.ToString());
    }
  }
}

std::optional<std::int64_t> RagService::SyncSources(const config::Config& config,
                                                    std::int64_t now_ms) {
  std::lock_guard lock(sync_mutex_);
  std::set<std::string> configured;
  for (const auto& workload : config.workloads) {
    for (const auto& source : workload.sources) configured.insert(source.name);
  }
  const config::Duration grace = config.rag_store.removed_source_grace;
  Result<std::string> stored = store_.GetValue(kSourcesKey);
  if (!stored.ok() && !stored.status().IsNotFound()) {
    // An unread roster is not an empty one: nothing is forgotten, and the sync is tried again.
    spdlog::error("cannot read the list of indexed sources: {}", stored.status().ToString());
    return now_ms + kForgetRetryMs;
  }
  const std::string before = stored.ok() ? *stored : "";
  RosterUpdate update = UpdateRoster(DecodeRoster(before), configured, now_ms, grace.count());
  for (const std::string& name : update.left) {
    spdlog::warn(
        "source {} left the configuration: its chunks stay in the {} sink for {} "
        "(rag_store.removed_source_grace); put it back before then and nothing is deleted",
        name, sink_kind_, config::FormatDuration(grace));
  }
  for (const std::string& name : update.returned) {
    spdlog::info("source {} is back in the configuration: its chunks were kept", name);
  }
  for (const std::string& name : update.expired) {
    Result<std::uint64_t> deletes = indexer_->ForgetSource(name, now_ms);
    if (!deletes.ok()) {
      // Kept in the roster: the deletes are queued again at the next sync.
      spdlog::error("source {}: cannot queue the deletes of its chunks: {}", name,
                    deletes.status().ToString());
      update.next[name] = std::max<std::int64_t>(now_ms - grace.count(), 1);  // 0: configured
      const std::int64_t retry = now_ms + kForgetRetryMs;
      update.next_expiry_ms = std::min(update.next_expiry_ms.value_or(retry), retry);
      continue;
    }
    spdlog::info("source {} left the configuration {} ago: {} chunk deletes queued for the {} sink",
                 name, config::FormatDuration(grace), *deletes, sink_kind_);
  }
  const std::string after = EncodeRoster(update.next);
  if (after != before) {
    if (Status saved = store_.PutValue(kSourcesKey, after); !saved.ok()) {
      // The roster in memory is not kept: the next sync computes it again from the stored one.
      spdlog::error("cannot store the list of indexed sources: {}", saved.ToString());
      const std::int64_t retry = now_ms + kForgetRetryMs;
      update.next_expiry_ms = std::min(update.next_expiry_ms.value_or(retry), retry);
    }
  }
  Notify();
  return update.next_expiry_ms;
}

rag::DeliveryEvents RagService::MakeEvents(metrics::Metrics& metrics) {
  rag::DeliveryEvents events;
  const std::string sink = sink_kind_;
  events.on_operations = [&metrics, sink](rag::IndexOperation::Kind kind, bool ok,
                                          std::size_t count) {
    metrics.CountIndexOperations(sink, rag::ToString(kind), ok, count);
  };
  events.on_lag = [this, &metrics, sink](double seconds) {
    metrics.ObserveIndexLag(sink, seconds);
    last_lag_seconds_ = seconds;
    last_acknowledged_ms_ = now_ms_();
  };
  events.on_totals = [this, &metrics, sink](std::uint64_t pending, std::uint64_t chunks) {
    NoteOldestPending(pending);
    pending_ = pending;
    chunks_ = chunks;
    metrics.SetIndexPending(sink, static_cast<double>(pending));
    metrics.SetIndexChunks(sink, static_cast<double>(chunks));
  };
  events.on_state = [this, &metrics, sink](const std::string& error) {
    metrics.SetSinkFailing(sink, !error.empty());
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
  // An embedding API or sink that is slow or down must not hold the stop past systemd's
  // TimeoutStopSec: the batch in flight is abandoned and stays in the outbox.
  stop_.request_stop();
  if (delivery_) delivery_->Stop();
}

rag::BatchResult RagService::DeliverAll() { return delivery_->DeliverAll(); }

void RagService::Reconcile(rag::Delivery::ReconcileDone done) {
  delivery_->Reconcile(std::move(done));
}

nlohmann::json RagService::StateJson() const {
  nlohmann::json state;
  {
    std::lock_guard lock(error_mutex_);
    state = {{"sink", sink_kind_},
             {"state", error_.empty() ? "ok" : "failing"},
             {"warnings", sink_->Warnings()},
             {"pending_operations", pending_.load()},
             {"chunks", chunks_.load()},
             {"last_error", error_.empty() ? nlohmann::json(nullptr) : nlohmann::json(error_)}};
  }
  state.update(LagJson());
  return state;
}

nlohmann::json RagService::LagJson() const {
  const std::int64_t now = now_ms_();
  nlohmann::json lag = {{"oldest_pending_detected", nullptr},
                        {"oldest_pending_age_seconds", nullptr},
                        {"last_acknowledged", TimestampJson(last_acknowledged_ms_.load())},
                        {"last_lag_seconds", nullptr}};
  if (const double last = last_lag_seconds_.load(); last >= 0) lag["last_lag_seconds"] = last;
  const std::int64_t oldest = oldest_pending_detected_ms_.load();
  if (oldest <= 0) return lag;
  lag["oldest_pending_detected"] = TimestampJson(oldest);
  lag["oldest_pending_age_seconds"] =
      static_cast<double>(std::max<std::int64_t>(0, now - oldest)) / 1000.0;
  return lag;
}

// The head of the outbox is the oldest operation still waiting for the sink. Read on the
// delivery thread (and at start-up), so that StateJson, which the event loop calls, reads no
// disk.
void RagService::NoteOldestPending(std::uint64_t pending) {
  std::int64_t detected_ms = 0;
  if (pending > 0) {
    Result<std::vector<store::OutboxEntry>> head = store_.ReadOutbox(1);
    if (head.ok() && !head->empty()) {
      const auto oldest = rag::DecodeOperation(head->front().operation);
      if (oldest) detected_ms = oldest->detected_ms;
    }
  }
  oldest_pending_detected_ms_ = detected_ms;
}

Result<std::vector<rag::SearchHit>> RagService::Search(std::string_view query, std::size_t k) {
  if (embedded_ == nullptr) return std::vector<rag::SearchHit>();
  rag::Vector query_vector;
  if (query_embedder_->kind() != "none") {
    Result<std::vector<rag::Vector>> embedded = query_embedder_->Embed({std::string(query)});
    if (embedded.ok() && embedded->size() == 1) query_vector = std::move((*embedded)[0]);
  }
  return embedded_->Search(query, query_vector, k);
}

}  // namespace freshd::daemon
