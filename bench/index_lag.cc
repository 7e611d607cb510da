// What re-indexing costs when documents change: D documents of 20 paragraphs are indexed,
// then one paragraph of each is edited, at a steady rate, while the delivery loop runs
// against a real sink. Reported: chunks re-embedded per edit (mean, max) and the index lag
// from change detected to the sink's acknowledgement (p50, p99), for freshd's chunk diff
// and, in the same run, for a whole-document re-index (every chunk of the edited document
// deleted and upserted again under new ids, as pipelines with random chunk ids do).
//
// Usage: bench_index_lag embedded|chroma URL|postgres DSN [DOCUMENTS] [EDITS_PER_SECOND]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/must.h"
#include "rag/delivery.h"
#include "rag/embedded_index.h"
#include "rag/embedder.h"
#include "rag/indexer.h"
#include "rag/operations.h"
#include "rag/sink.h"
#include "rag/tables.h"
#include "store/state_store.h"

namespace {

using namespace freshd;
using Clock = std::chrono::steady_clock;

constexpr const char* kWords[] = {"leave",    "policy",   "employee", "manager", "request",
                                  "days",     "approval", "payroll",  "holiday", "notice",
                                  "travel",   "expense",  "receipt",  "remote",  "office",
                                  "contract", "benefit",  "training", "review",  "salary"};

std::string Paragraph(int document, int index, int version) {
  std::string text = "Section " + std::to_string(index) + " (v" + std::to_string(version) + "):";
  std::size_t state = std::hash<std::string>{}(
      std::to_string(document) + "/" + std::to_string(index) + "/" + std::to_string(version));
  const std::size_t length = 300 + state % 300;
  while (text.size() < length) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    text += ' ';
    text += kWords[(state >> 33) % std::size(kWords)];
    if ((state >> 20) % 9 == 0) text += '.';
  }
  return text + ".";
}

// Paragraph `edited` at version 1, the others at 0.
std::string Document(int document, int edited) {
  std::string text;
  for (int i = 0; i < 20; ++i) {
    if (i > 0) text += "\n\n";
    text += Paragraph(document, i, i == edited ? 1 : 0);
  }
  return text;
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Counts what it embeds.
class CountingEmbedder : public rag::Embedder {
 public:
  std::string_view kind() const override { return "hashing"; }
  int dims() const override { return inner_->dims(); }
  Result<std::vector<rag::Vector>> Embed(const std::vector<std::string>& texts) override {
    embedded += texts.size();
    return inner_->Embed(texts);
  }
  std::atomic<std::uint64_t> embedded{0};

 private:
  std::unique_ptr<rag::Embedder> inner_ = rag::MakeHashingEmbedder(384);
};

struct Lags {
  std::mutex mutex;
  std::vector<double> seconds;
  void Add(double lag) {
    std::lock_guard lock(mutex);
    seconds.push_back(lag);
  }
  double Quantile(double q) {
    std::lock_guard lock(mutex);
    if (seconds.empty()) return 0;
    std::sort(seconds.begin(), seconds.end());
    return seconds[std::min(seconds.size() - 1, static_cast<std::size_t>(q * seconds.size()))];
  }
  void Clear() {
    std::lock_guard lock(mutex);
    seconds.clear();
  }
};

struct PhaseResult {
  double embedded_per_edit = 0;
  std::uint64_t max_upserts = 0;
  double p50 = 0, p99 = 0, seconds = 0;
};

std::unique_ptr<rag::Sink> MakeSink(const std::string& kind, const std::string& where,
                                    store::StateStore& store) {
  if (kind == "embedded") return std::make_unique<rag::EmbeddedIndex>(store);
  if (kind == "chroma") {
    rag::ChromaOptions options;
    options.url = where;
    options.collection = "bench" + std::to_string(getpid());
    return rag::MakeChromaSink(options);
  }
  rag::PostgresOptions options;
  options.dsn = where;
  options.table = "bench_" + std::to_string(getpid());
  options.embedder.dims = 384;
  return rag::MakePostgresSink(options);
}

void WaitUntilDelivered(const store::StateStore& store) {
  while (store.OutboxSize() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: bench_index_lag embedded|chroma URL|postgres DSN [DOCUMENTS] "
                 "[EDITS_PER_SECOND]\n");
    return 2;
  }
  const std::string kind = argv[1];
  const bool external = kind != "embedded";
  const std::string where = external && argc > 2 ? argv[2] : "";
  const int next = external ? 3 : 2;
  const int documents = argc > next ? std::atoi(argv[next]) : 1000;
  const double rate = argc > next + 1 ? std::atof(argv[next + 1]) : 100;

  const auto dir =
      std::filesystem::temp_directory_path() / ("freshd-bench-index-" + std::to_string(getpid()));
  store::StoreOptions store_options;
  rag::DeclareTables(store_options);
  auto store = bench::Must(store::StateStore::Open(dir.string(), store_options));
  auto sink = MakeSink(kind, where, *store);
  CountingEmbedder embedder;
  rag::Indexer indexer(*store, {});
  Lags lags;
  rag::DeliveryEvents events;
  events.on_lag = [&](double seconds) { lags.Add(seconds); };
  rag::DeliveryOptions options;
  options.first_backoff = std::chrono::milliseconds(100);
  rag::Delivery delivery(*store, *sink, embedder, indexer, NowMs, options, events);

  // Initial indexing, synchronous.
  auto record = [&](int document, const std::string& text) {
    store::DocumentKey key{"bench", "https://example.com/doc/" + std::to_string(document)};
    store::Observation seen;
    seen.kind = store::Observation::Kind::kFetched;
    seen.time_ms = NowMs();
    seen.content_hash = std::to_string(std::hash<std::string>{}(text));
    bench::Must(indexer.Record(key, "bench", seen, text));
  };
  auto started = Clock::now();
  for (int d = 0; d < documents; ++d) record(d, Document(d, -1));
  const std::uint64_t chunks = store->OutboxSize();
  rag::BatchResult initial = delivery.DeliverAll();
  if (!initial.ok()) {
    std::fprintf(stderr, "initial delivery failed: %s\n", initial.status.ToString().c_str());
    return 1;
  }
  const double initial_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("sink %s: %d documents, %llu chunks indexed in %.2f s (%.0f chunks/s)\n",
              kind.c_str(), documents, static_cast<unsigned long long>(chunks), initial_seconds,
              static_cast<double>(chunks) / initial_seconds);

  delivery.Start();
  const auto pace = std::chrono::duration<double>(1.0 / rate);

  // Phase 1: freshd's chunk diff.
  auto edit_phase = [&](const std::function<std::uint64_t(int)>& edit) {
    PhaseResult result;
    lags.Clear();
    const std::uint64_t embedded_before = embedder.embedded;
    const auto phase_start = Clock::now();
    for (int d = 0; d < documents; ++d) {
      std::this_thread::sleep_until(
          phase_start + std::chrono::duration_cast<Clock::duration>(pace * static_cast<double>(d)));
      result.max_upserts = std::max(result.max_upserts, edit(d));
      delivery.Notify();
    }
    WaitUntilDelivered(*store);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(50));  // the last acknowledgement's report
    result.seconds = std::chrono::duration<double>(Clock::now() - phase_start).count();
    result.embedded_per_edit = static_cast<double>(embedder.embedded - embedded_before) / documents;
    result.p50 = lags.Quantile(0.50);
    result.p99 = lags.Quantile(0.99);
    return result;
  };
  PhaseResult diff = edit_phase([&](int d) {
    const std::string before = Document(d, -1), after = Document(d, d % 20);
    const std::string id =
        rag::DocumentChunksKey("bench", "https://example.com/doc/" + std::to_string(d));
    rag::DocumentChunks old_chunks{{}, rag::ChunkText(id, before, {})};
    rag::DocumentChunks new_chunks{{}, rag::ChunkText(id, after, {})};
    std::uint64_t upserts = 0;
    for (const auto& operation : rag::DiffChunks(&old_chunks, &new_chunks, 0)) {
      upserts += operation.kind == rag::IndexOperation::Kind::kUpsert;
    }
    record(d, after);
    return upserts;
  });

  // Phase 2, the baseline: the whole document again under new ids, the old ids deleted.
  PhaseResult whole = edit_phase([&](int d) {
    const std::string after = Document(d, (d + 1) % 20);
    const std::string id =
        rag::DocumentChunksKey("bench", "https://example.com/doc/" + std::to_string(d));
    store::WriteSet writes;
    std::uint64_t upserts = 0;
    const std::int64_t now = NowMs();
    for (const auto& chunk : rag::ChunkText(id, after, {})) {
      rag::IndexOperation upsert;
      upsert.chunk_id = chunk.id + "-reindexed";
      upsert.text = chunk.text;
      // No document named: the delivery takes it as it is (it is checked against no
      // manifest), as a pipeline without freshd's manifests would send it.
      upsert.metadata = {"bench", "", "", now, ""};
      upsert.detected_ms = now;
      writes.AppendToOutbox(rag::EncodeOperation(upsert));
      ++upserts;
    }
    for (const auto& chunk : rag::ChunkText(id, Document(d, d % 20), {})) {
      rag::IndexOperation removal;
      removal.kind = rag::IndexOperation::Kind::kDelete;
      removal.chunk_id = chunk.id;
      removal.detected_ms = now;
      writes.AppendToOutbox(rag::EncodeOperation(removal));
    }
    bench::Must(store->Apply(writes));
    return upserts;
  });
  delivery.Stop();

  auto report = [&](const char* name, const PhaseResult& r) {
    std::printf(
        "  %-26s chunks embedded per edit: mean %.2f, max %llu; lag p50 %.3f s, "
        "p99 %.3f s; %d edits at %.0f/s done in %.1f s\n",
        name, r.embedded_per_edit, static_cast<unsigned long long>(r.max_upserts), r.p50, r.p99,
        documents, rate, r.seconds);
  };
  report("freshd chunk diff:", diff);
  report("whole-document re-index:", whole);
  std::printf("  ratio (re-index / diff): embedded chunks %.1fx, lag p50 %.1fx, p99 %.1fx\n",
              whole.embedded_per_edit / diff.embedded_per_edit,
              diff.p50 > 0 ? whole.p50 / diff.p50 : 0, diff.p99 > 0 ? whole.p99 / diff.p99 : 0);
  sink.reset();
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
