// The engine's configuration: compiling sources, applying a (re)load, loading each new
// source's counters from the store.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/engine.h"
#include "daemon/engine_impl.h"

namespace freshd::daemon {
namespace {

namespace asio = boost::asio;

bool SameHeaders(const std::vector<config::Header>& a, const std::vector<config::Header>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

bool SameSource(const config::Source& a, const config::Source& b) {
  return a.workload == b.workload && a.kind == b.kind && a.url == b.url &&
         a.credentials == b.credentials && a.include == b.include &&
         a.max_child_sitemaps == b.max_child_sitemaps && a.path == b.path && a.glob == b.glob &&
         a.git == b.git && a.select.kind == b.select.kind &&
         a.select.expression == b.select.expression && a.select.pages == b.select.pages &&
         a.select.heading == b.select.heading && a.ignore == b.ignore &&
         a.fetch.interval == b.fetch.interval && a.fetch.timeout == b.fetch.timeout &&
         a.fetch.max_bytes == b.fetch.max_bytes && a.fetch.max_pages == b.fetch.max_pages &&
         a.fetch.user_agent == b.fetch.user_agent &&
         SameHeaders(a.fetch.headers, b.fetch.headers) && a.fetch.adaptive == b.fetch.adaptive &&
         a.fetch.budget == b.fetch.budget && a.fetch.min_interval == b.fetch.min_interval &&
         a.fetch.max_interval == b.fetch.max_interval &&
         a.fetch.listing_interval == b.fetch.listing_interval;
}

watchers::SelectorSpec ToSelectorSpec(const config::Selector& select) {
  watchers::SelectorSpec spec;
  spec.expression = select.expression;
  spec.pages = select.pages;
  spec.heading = select.heading;
  switch (select.kind) {
    case config::Selector::Kind::kNone:
      spec.kind = watchers::SelectorSpec::Kind::kNone;
      break;
    case config::Selector::Kind::kXPath:
      spec.kind = watchers::SelectorSpec::Kind::kXPath;
      break;
    case config::Selector::Kind::kCss:
      spec.kind = watchers::SelectorSpec::Kind::kCss;
      break;
  }
  return spec;
}

// Sums a source's stored documents into its counters (see SourceTotals).
SourceState LoadState(const store::StateStore& store, const std::string& source) {
  SourceTotals totals;
  Status scanned =
      store.ForEachDocument(source, [&](const store::DocumentKey&, const store::DocumentRecord& r) {
        totals.Add(r);
        return true;
      });
  // The counts are for display: a failed read leaves them short, and says so.
  if (!scanned.ok()) spdlog::error("source {}: {}", source, scanned.ToString());
  std::int64_t last_run_ms = 0;
  Result<std::string> finished = store.GetValue(LastRunKey(source));
  if (finished.ok()) {
    last_run_ms = std::strtoll(finished->c_str(), nullptr, 10);
  } else if (!finished.status().IsNotFound()) {
    spdlog::error("source {}: {}", source, finished.status().ToString());
  }
  return totals.Finish(last_run_ms);
}

// What a source needs besides its configuration; compiled before anything is changed.
struct Compiled {
  const config::Source* config;
  std::shared_ptr<const watchers::Normalizer> normalizer;
  std::shared_ptr<const watchers::UrlFilter> include;
};

// Why a source's selector or patterns do not compile, and where the file says them.
struct CompileError {
  config::Location where;
  std::string message;
};

std::optional<Compiled> Compile(const config::Source& source, CompileError* error) {
  Compiled compiled{&source, nullptr, nullptr};
  // A zip container (and the XML in it) may unzip to several times the body's size, within
  // reason: more is a zip bomb.
  constexpr std::uint64_t kUnzippedPerByte = 8;
  const std::uint64_t unzipped = source.fetch.max_bytes * kUnzippedPerByte;
  const formats::ExtractLimits limits{source.fetch.max_pages, unzipped, unzipped};
  auto normalizer =
      watchers::Normalizer::Create(ToSelectorSpec(source.select), source.ignore, limits);
  if (!normalizer.ok()) {
    // The ignore patterns were compiled by the config library already: it is the selector.
    const bool has_selector = source.select.kind != config::Selector::Kind::kNone;
    *error = {has_selector ? source.select.where : source.where,
              "source " + source.name + ": " + normalizer.status().message()};
    return std::nullopt;
  }
  compiled.normalizer = std::move(normalizer).value();
  if (!source.include.empty()) {
    auto include = watchers::UrlFilter::Create(source.include);
    if (!include.ok()) {
      *error = {source.where, "source " + source.name + ": include: " + include.status().message()};
      return std::nullopt;
    }
    compiled.include = std::move(include).value();
  }
  return compiled;
}

}  // namespace

Status Engine::Configure(const config::Config& config, std::function<void()> done) {
  Impl& impl = *impl_;
  // Compile everything first: a reload that fails here changes nothing.
  std::vector<Compiled> compiled;
  for (const auto& workload : config.workloads) {
    for (const auto& source : workload.sources) {
      auto existing = impl.sources.find(source.name);
      if (existing != impl.sources.end() && SameSource(existing->second->config, source)) {
        compiled.push_back({&source, existing->second->normalizer, existing->second->include});
        continue;
      }
      CompileError problem;
      auto one = Compile(source, &problem);
      if (!one) {
        return Status::InvalidArgument(
            config::ConfigError{config.file, problem.where, problem.message}.ToString());
      }
      compiled.push_back(std::move(*one));
    }
  }

  std::map<std::string, std::shared_ptr<WatchedSource>> next;
  std::vector<std::shared_ptr<WatchedSource>> added;
  for (auto& one : compiled) {
    const config::Source& source = *one.config;
    auto existing = impl.sources.find(source.name);
    std::shared_ptr<WatchedSource> watched;
    if (existing == impl.sources.end()) {
      watched = std::make_shared<WatchedSource>();
      added.push_back(watched);
    } else {
      watched = existing->second;
      if (watched->config.workload != source.workload) {
        impl.metrics.RemoveSource(watched->labels);
        added.push_back(watched);
      }
    }
    watched->config = source;
    watched->normalizer = std::move(one.normalizer);
    watched->include = std::move(one.include);
    watched->labels = {source.workload, source.name};
    impl.gate.SetBudget(source.name, IsAdaptive(source) ? source.fetch.budget : std::nullopt);
    next[source.name] = watched;
  }
  for (auto& [name, watched] : impl.sources) {
    if (next.contains(name)) continue;
    watched->removed = true;
    impl.gate.Remove(name);
    impl.metrics.RemoveSource(watched->labels);
  }
  impl.sources = std::move(next);
  impl.fetch_queue.SetPerHostLimit(config.defaults.host_concurrency);
  for (const auto& watched : added) impl.metrics.AddSource(watched->labels);

  if (added.empty()) {
    asio::post(impl.io, std::move(done));
    return Status::OK();
  }
  auto remaining = std::make_shared<std::size_t>(added.size());
  for (const auto& watched : added) {
    impl.OnWorker(
        [&store = impl.store, name = watched->config.name] { return LoadState(store, name); },
        [&impl, watched, remaining, done](const SourceState& state) {
          if (!watched->removed) {
            watched->state = state;
            impl.metrics.SetDocuments(
                watched->labels, static_cast<double>(state.documents - state.documents_unsupported),
                static_cast<double>(state.documents_unsupported));
            if (state.last_check_ms > 0) {
              impl.metrics.SetLastCheck(watched->labels, state.last_check_ms / 1000.0);
            }
            if (state.last_change_ms > 0) {
              impl.metrics.SetLastChange(watched->labels, state.last_change_ms / 1000.0);
            }
          }
          if (--*remaining == 0) done();
        });
  }
  return Status::OK();
}

std::vector<config::ConfigError> Engine::CheckSources(const config::Config& config) {
  std::vector<config::ConfigError> errors;
  for (const auto& workload : config.workloads) {
    for (const auto& source : workload.sources) {
      CompileError problem;
      if (!Compile(source, &problem))
        errors.push_back({config.file, problem.where, problem.message});
    }
  }
  return errors;
}

config::LoadResult LoadConfigForEngine(const std::string& file) {
  config::LoadResult loaded = config::Load(file);
  if (!loaded.config) return loaded;
  std::vector<config::ConfigError> errors = Engine::CheckSources(*loaded.config);
  if (errors.empty()) return loaded;
  return {std::nullopt, std::move(errors)};
}

}  // namespace freshd::daemon
