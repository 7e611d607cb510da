// Search on a large embedded store: latency and what comes first, for the current search and,
// in the same process on the same store, the search as it was before issue 9 item 4
// (bench/search_before.cc).
//
// The store holds PAGES pages of the synthetic policy site (bench/policy_site.h: about 4.3
// chunks a page; "acme" is in every chunk), chunked at the default size and embedded with
// the hashing embedder, as the daemon does. Then QUERIES queries of each kind, each with its
// vector, at k = 10 and k = 100:
//   paragraph  a paragraph of the site, whole (one held by a chunk)
//   words      three consecutive words of such a paragraph
//   common     words in most chunks only: "acme", "acme policy", "acme customer support"
// Reported per kind, k and search: latency p50 and p99; for paragraphs, the share whose
// chunk comes first; and the share of queries whose first 10 hits at k = 100 are not the
// hits at k = 10. The current search runs with its defaults.
//
// Usage: bench_search [PAGES] [QUERIES] [STORE_DIR]   (defaults 85000 and 300; with STORE_DIR,
// the store is kept there and reused by the next run with the same PAGES)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/must.h"
#include "bench/policy_site.h"
#include "bench/search_before.h"
#include "rag/chunking.h"
#include "rag/embedded_index.h"
#include "rag/embedder.h"
#include "rag/operations.h"
#include "rag/tables.h"
#include "rag/words.h"
#include "store/state_store.h"

namespace {

using namespace freshd;
using Clock = std::chrono::steady_clock;

struct Query {
  std::string text;
  rag::Vector vector;
  std::string paragraph;  // for paragraph queries: what its first hit should hold
};

using SearchFunction =
    std::function<std::vector<rag::SearchHit>(const std::string&, const rag::Vector&, std::size_t)>;

struct Figures {
  std::vector<double> milliseconds;
  std::size_t first = 0;      // paragraph queries whose first hit holds the paragraph
  std::size_t differing = 0;  // queries whose first 10 hits depend on k
};

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::ranges::sort(values);
  return values[std::min(values.size() - 1, static_cast<std::size_t>(q * values.size()))];
}

std::vector<std::string> FirstIds(const std::vector<rag::SearchHit>& hits, std::size_t n) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < std::min(n, hits.size()); ++i) ids.push_back(hits[i].chunk_id);
  return ids;
}

// Indexes the site into `store` in batches, as the delivery does.
void IndexSite(const std::vector<bench::Page>& site, rag::EmbeddedIndex& index) {
  const auto embedder = rag::MakeHashingEmbedder(384);
  std::vector<rag::SinkOperation> batch;
  auto flush = [&] {
    const Status status = index.Apply(batch);
    if (!status.ok()) {
      std::fprintf(stderr, "indexing failed: %s\n", status.message().c_str());
      std::exit(1);
    }
    batch.clear();
  };
  for (const bench::Page& page : site) {
    const std::vector<rag::Chunk> chunks =
        rag::ChunkText(rag::DocumentChunksKey("pages", page.uri), page.text, {});
    std::vector<std::string> texts;
    for (const rag::Chunk& chunk : chunks) texts.push_back(chunk.text);
    Result<std::vector<rag::Vector>> vectors = embedder->Embed(texts);
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      rag::SinkOperation upsert;
      upsert.operation.chunk_id = chunks[i].id;
      upsert.operation.text = chunks[i].text;
      upsert.operation.metadata = {.workload = "bench",
                                   .source = "pages",
                                   .uri = page.uri,
                                   .fetched_ms = 1700000000000,
                                   .content_hash = chunks[i].id};
      upsert.vector = std::move(vectors.value()[i]);
      batch.push_back(std::move(upsert));
    }
    if (batch.size() >= 2000) flush();
  }
  flush();
}

// Paragraphs of the site held whole by a chunk (the chunker keeps paragraphs up to its size
// whole), picked evenly.
std::vector<std::string> SomeParagraphs(const std::vector<bench::Page>& site, std::size_t count) {
  std::vector<std::string> paragraphs;
  const std::size_t step = std::max<std::size_t>(1, site.size() / count);
  for (std::size_t i = 0; i < site.size() && paragraphs.size() < count; i += step) {
    const std::vector<std::string> all = bench::ParagraphsOf(site[i].text);
    const std::string& paragraph = all[(i / step) % all.size()];
    if (paragraph.size() < 500) paragraphs.push_back(paragraph);
  }
  return paragraphs;
}

std::vector<std::vector<Query>> MakeQueries(const std::vector<bench::Page>& site,
                                            std::size_t count) {
  const auto embedder = rag::MakeHashingEmbedder(384);
  auto query = [&](const std::string& text, const std::string& paragraph) {
    return Query{text, embedder->Embed({text}).value()[0], paragraph};
  };
  std::vector<Query> paragraphs, words, common;
  for (const std::string& paragraph : SomeParagraphs(site, count)) {
    paragraphs.push_back(query(paragraph, paragraph));
    const std::vector<std::string> all = rag::Words(paragraph);
    if (all.size() < 3) continue;
    const std::size_t start = paragraph.size() % (all.size() - 2);
    words.push_back(query(all[start] + " " + all[start + 1] + " " + all[start + 2], ""));
  }
  const char* kCommon[] = {"acme", "acme policy", "acme customer support"};
  for (std::size_t i = 0; i < std::min<std::size_t>(count, 30); ++i) {
    common.push_back(query(kCommon[i % 3], ""));
  }
  return {paragraphs, words, common};
}

// One query through `search` at k (timed), and again at the other k for the check.
void RunOne(const Query& query, const SearchFunction& search, std::size_t k, Figures& figures) {
  const auto start = Clock::now();
  const std::vector<rag::SearchHit> hits = search(query.text, query.vector, k);
  figures.milliseconds.push_back(
      std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  if (!query.paragraph.empty() && !hits.empty() &&
      hits[0].text.find(query.paragraph) != std::string::npos) {
    ++figures.first;
  }
  const std::vector<rag::SearchHit> other = search(query.text, query.vector, k == 10 ? 100 : 10);
  if (FirstIds(hits, 10) != FirstIds(other, 10)) ++figures.differing;
}

// Every query through both searches, which go first in turn, so that neither finds the
// other's reads in the caches more often.
std::pair<Figures, Figures> Compare(const std::vector<Query>& queries, const SearchFunction& before,
                                    const SearchFunction& after, std::size_t k) {
  Figures before_figures, after_figures;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    if (i % 2 == 0) {
      RunOne(queries[i], before, k, before_figures);
      RunOne(queries[i], after, k, after_figures);
    } else {
      RunOne(queries[i], after, k, after_figures);
      RunOne(queries[i], before, k, before_figures);
    }
  }
  return {before_figures, after_figures};
}

void Report(const char* kind, std::size_t k, const std::vector<Query>& queries,
            const Figures& before, const Figures& after) {
  const auto share = [&](std::size_t n) { return 100.0 * n / queries.size(); };
  const double p50_before = Quantile(before.milliseconds, 0.5);
  const double p50_after = Quantile(after.milliseconds, 0.5);
  const double p99_before = Quantile(before.milliseconds, 0.99);
  const double p99_after = Quantile(after.milliseconds, 0.99);
  std::printf("%-9s k=%-3zu %4zu queries | before: p50 %7.2f ms, p99 %7.2f ms", kind, k,
              queries.size(), p50_before, p99_before);
  std::printf(" | after: p50 %7.2f ms, p99 %7.2f ms | after/before p50 %.2fx, p99 %.2fx\n",
              p50_after, p99_after, p50_after / p50_before, p99_after / p99_before);
  if (!queries.front().paragraph.empty()) {
    std::printf("%-15s own chunk first: before %5.1f%%, after %5.1f%%\n", "", share(before.first),
                share(after.first));
  }
  std::printf("%-15s first 10 hits differ between k=10 and k=100: before %5.1f%%, after %5.1f%%\n",
              "", share(before.differing), share(after.differing));
}

}  // namespace

int main(int argc, char** argv) {
  const int pages = argc > 1 ? std::atoi(argv[1]) : 85000;
  const std::size_t count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 300;
  const bool kept = argc > 3;
  const std::filesystem::path dir = kept ? std::filesystem::path(argv[3])
                                         : std::filesystem::temp_directory_path() /
                                               ("freshd-bench-search-" + std::to_string(getpid()));
  const bool reused = kept && std::filesystem::exists(dir);

  const std::vector<bench::Page> site = bench::PolicySite(pages, 7);
  store::StoreOptions options;
  rag::DeclareTables(options);
  auto store = bench::Must(store::StateStore::Open(dir.string(), options));
  auto index = std::make_unique<rag::EmbeddedIndex>(*store);
  if (!reused) {
    const auto start = Clock::now();
    IndexSite(site, *index);
    std::printf("indexed %d pages, %llu chunks, in %.1f s\n", pages,
                static_cast<unsigned long long>(index->ChunkCount()),
                std::chrono::duration<double>(Clock::now() - start).count());
    // Searched as after a restart: from the tables on disk, not the memtables.
    index.reset();
    store.reset();
    store = bench::Must(store::StateStore::Open(dir.string(), options));
    index = std::make_unique<rag::EmbeddedIndex>(*store);
  }
  std::printf("store: %llu chunks in %s\n", static_cast<unsigned long long>(index->ChunkCount()),
              dir.c_str());

  const SearchFunction after = [&](const std::string& query, const rag::Vector& vector,
                                   std::size_t k) {
    return bench::Must(index->Search(query, vector, k));
  };
  const SearchFunction before = [&](const std::string& query, const rag::Vector& vector,
                                    std::size_t k) {
    return bench::SearchBefore(*store, query, vector, k);
  };
  const std::vector<std::vector<Query>> kinds = MakeQueries(site, count);
  const char* kNames[] = {"paragraph", "words", "common"};
  Compare(kinds[0], before, after, 10);  // warms the caches
  for (std::size_t kind = 0; kind < kinds.size(); ++kind) {
    for (const std::size_t k : {10, 100}) {
      const auto [before_figures, after_figures] = Compare(kinds[kind], before, after, k);
      Report(kNames[kind], k, kinds[kind], before_figures, after_figures);
    }
  }
  index.reset();
  store.reset();
  if (!kept) std::filesystem::remove_all(dir);
  return 0;
}
