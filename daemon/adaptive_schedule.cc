#include "daemon/adaptive_schedule.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

namespace freshd::daemon {
namespace {

namespace asio = boost::asio;

// Documents handed to one run at most; the rest wait for the next.
constexpr std::size_t kMaxRun = 512;
// The share of the budget the allocation plans for: the rest is headroom for the checks
// that hints make due and for the volatility probes, all under the same cap.
constexpr double kPlannedShare = 0.95;
// A failed read of the schedule is tried again after this.
constexpr auto kRetryAfterStoreError = std::chrono::seconds(30);

std::int64_t Ms(scheduler::Duration duration) { return duration.count(); }

double BudgetPerSecond(const config::RequestBudget& budget) {
  const double seconds = std::chrono::duration<double>(budget.per).count();
  return seconds > 0 ? static_cast<double>(budget.requests) / seconds : 0;
}

std::string BudgetText(const config::RequestBudget& budget) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(budget.per).count();
  const char* unit = seconds == 86400 ? "d" : seconds == 3600 ? "h" : seconds == 60 ? "m" : "s";
  if (seconds != 86400 && seconds != 3600 && seconds != 60 && seconds != 1) {
    return std::to_string(budget.requests) + " per " + std::to_string(seconds) + "s";
  }
  return std::to_string(budget.requests) + "/" + unit;
}

bool IsListing(config::SourceKind kind) {
  return kind == config::SourceKind::kSitemap || kind == config::SourceKind::kFeed;
}

}  // namespace

struct AdaptiveSchedule::Source {
  config::Source config;
  std::unique_ptr<scheduler::Timer> timer;
  bool busy = false;  // a listing, a run or a reallocation is in flight
  bool reallocation_wanted = false;
  bool removed = false;
  scheduler::TimePoint next_listing{};
  bool next_due_known = false;
  std::optional<std::int64_t> next_due_ms;
  bool has_hints = false;
  HintCounts hints;
  bool allocated = false;
  AllocationSummary allocation;
};

template <typename Work, typename Then>
void AdaptiveSchedule::OnWorker(Work work, Then then) {
  ++in_flight_;
  asio::post(workers_, [this, stopped = stopped_, work = std::move(work),
                        then = std::move(then)]() mutable {
    if (*stopped) return;
    auto result = work();
    asio::post(io_, [this, stopped, then = std::move(then), result = std::move(result)]() mutable {
      if (*stopped) return;
      --in_flight_;
      then(std::move(result));
    });
  });
}

AdaptiveSchedule::AdaptiveSchedule(asio::io_context& io, asio::thread_pool& workers,
                                   const scheduler::Clock& clock, store::StateStore& store,
                                   Engine& engine, metrics::Metrics& metrics, double confidence)
    : io_(io),
      workers_(workers),
      clock_(clock),
      store_(store),
      schedule_(store),
      engine_(engine),
      metrics_(metrics),
      confidence_(confidence) {}

AdaptiveSchedule::~AdaptiveSchedule() { Stop(); }

void AdaptiveSchedule::Stop() {
  *stopped_ = true;
  for (auto& [name, source] : sources_) source->timer->Cancel();
}

void AdaptiveSchedule::Update(double confidence) {
  confidence_ = confidence;
  std::map<std::string, SourcePtr> next;
  for (const std::string& name : engine_.SourceNames()) {
    const config::Source* config = engine_.FindSource(name);
    if (config == nullptr || !IsAdaptive(*config)) continue;
    auto found = sources_.find(name);
    SourcePtr source;
    if (found != sources_.end()) {
      source = found->second;
    } else {
      source = std::make_shared<Source>();
      source->timer = clock_.CreateTimer(io_);
    }
    source->config = *config;
    source->next_due_known = false;
    next[name] = source;
  }
  for (auto& [name, source] : sources_) {
    if (!next.contains(name)) {
      source->removed = true;
      source->timer->Cancel();
    }
  }
  sources_ = std::move(next);
  for (auto& [name, source] : sources_) {
    metrics_.SetRequestBudget({source->config.workload, name},
                              BudgetPerSecond(*source->config.fetch.budget));
    if (source->busy) continue;
    if (source->config.kind == config::SourceKind::kHttp) {
      // A page is a listing of one, merged here (its URL may have changed on a reload).
      source->busy = true;
      OnWorker(
          [this, name = name, url = source->config.url, now = NowMs()] {
            return MergeListing(schedule_, name, {watchers::ListedDocument{url, std::nullopt}}, now,
                                false);
          },
          [this, source](const Result<MergeSummary>& merged) {
            if (!merged.ok()) {
              spdlog::error("source {}: cannot schedule its page: {}", source->config.name,
                            merged.status().ToString());
            }
            Done(source);
          });
    } else {
      Wake(source);
    }
  }
}

std::int64_t AdaptiveSchedule::NowMs() const { return scheduler::ToUnixMillis(clock_.Now()); }

void AdaptiveSchedule::Done(const SourcePtr& source) {
  source->busy = false;
  if (source->removed || *stopped_) return;
  if (source->reallocation_wanted) {
    StartReallocation(source);
    return;
  }
  Wake(source);
}

void AdaptiveSchedule::Wake(const SourcePtr& source) {
  if (source->busy || source->removed || *stopped_) return;
  const scheduler::TimePoint now = clock_.Now();
  if (IsListing(source->config.kind) && now >= source->next_listing) {
    StartListing(source);
    return;
  }
  if (!source->next_due_known) {
    ReadNextDue(source);
    return;
  }
  if (source->next_due_ms && *source->next_due_ms <= scheduler::ToUnixMillis(now)) {
    // As many documents as the budget lets start now: their requests (and the probes of
    // their changes) pass the engine's gate, which holds what exceeds the cap.
    const std::uint64_t available =
        engine_.RequestsAvailable(source->config.name).value_or(kMaxRun);
    if (available > 0) {
      StartChecks(source, std::min<std::size_t>(kMaxRun, available));
      return;
    }
  }
  Arm(source);
}

void AdaptiveSchedule::Arm(const SourcePtr& source) {
  const scheduler::TimePoint now = clock_.Now();
  std::optional<scheduler::TimePoint> wake;
  if (IsListing(source->config.kind)) wake = source->next_listing;
  if (source->next_due_ms) {
    scheduler::TimePoint due{std::chrono::milliseconds(*source->next_due_ms)};
    due = std::max(due, engine_.NextRequestAllowed(source->config.name));
    if (due <= now && engine_.RequestsAvailable(source->config.name).value_or(1) == 0) {
      due = now + std::chrono::seconds(1);  // the budget's waiting requests go first
    }
    wake = wake ? std::min(*wake, due) : due;
  }
  if (!wake) return;  // nothing to do until a reload or a reallocation
  const auto wait = std::chrono::duration_cast<scheduler::Duration>(*wake - now);
  source->timer->Schedule(std::max(scheduler::Duration(0), wait), [this, source] { Wake(source); });
}

void AdaptiveSchedule::ReadNextDue(const SourcePtr& source) {
  source->busy = true;
  OnWorker([this, name = source->config.name] { return schedule_.NextDue(name); },
           [this, source](const Result<std::optional<std::int64_t>>& next) {
             if (next.ok()) {
               source->next_due_ms = *next;
               source->next_due_known = true;
               Done(source);
               return;
             }
             spdlog::error("source {}: cannot read its schedule: {}", source->config.name,
                           next.status().ToString());
             source->busy = false;
             source->timer->Schedule(kRetryAfterStoreError, [this, source] { Wake(source); });
           });
}

void AdaptiveSchedule::StartListing(const SourcePtr& source) {
  source->busy = true;
  engine_.ListSource(source->config.name, [this, source](SourceRunResult result) {
    if (*stopped_ || source->removed) return;
    source->next_listing = clock_.Now() + std::chrono::duration_cast<scheduler::Duration>(
                                              source->config.fetch.listing_interval);
    if (result.skipped || result.failed) {  // a failed listing changes no schedule
      Done(source);
      return;
    }
    source->has_hints = std::any_of(result.listed.begin(), result.listed.end(),
                                    [](const auto& d) { return d.modified_unix_seconds; });
    OnWorker(
        [this, name = source->config.name, listed = std::move(result.listed), now = NowMs(),
         follow = source->hints.trusted()] {
          return MergeListing(schedule_, name, listed, now, follow);
        },
        [this, source](const Result<MergeSummary>& merged) {
          if (!merged.ok()) {
            spdlog::error("source {}: cannot schedule its listing: {}", source->config.name,
                          merged.status().ToString());
          } else if (merged->added + merged->hinted + merged->erased > 0) {
            spdlog::info("source {}: listing: {} new documents, {} hinted changes, {} gone",
                         source->config.name, merged->added, merged->hinted, merged->erased);
          }
          source->next_due_known = false;
          Done(source);
        });
  });
}

RescheduleSettings AdaptiveSchedule::SettingsOf(const Source& source) const {
  RescheduleSettings settings;
  settings.min_interval_ms =
      Ms(std::chrono::duration_cast<scheduler::Duration>(source.config.fetch.min_interval));
  settings.max_interval_ms =
      Ms(std::chrono::duration_cast<scheduler::Duration>(source.config.fetch.max_interval));
  // Until the first allocation: the planned budget split evenly.
  const SourceState* state = engine_.State(source.config.name);
  const double documents = state ? std::max<double>(1, static_cast<double>(state->documents)) : 1;
  const double per_second = kPlannedShare * BudgetPerSecond(*source.config.fetch.budget);
  settings.default_interval_ms =
      per_second > 0 ? static_cast<std::int64_t>(documents / per_second * 1000) : 0;
  return settings;
}

void AdaptiveSchedule::StartChecks(const SourcePtr& source, std::size_t limit) {
  source->busy = true;
  OnWorker([this, name = source->config.name, now = NowMs(),
            limit] { return schedule_.Due(name, now, limit); },
           [this, source](Result<std::vector<DueDocument>> due) {
             if (!due.ok()) {
               spdlog::error("source {}: cannot read its schedule: {}", source->config.name,
                             due.status().ToString());
               source->busy = false;
               source->timer->Schedule(kRetryAfterStoreError, [this, source] { Wake(source); });
               return;
             }
             if (due->empty()) {
               source->next_due_known = false;
               Done(source);
               return;
             }
             std::vector<std::string> uris;
             std::vector<watchers::ListedDocument> documents;
             for (DueDocument& document : *due) {
               uris.push_back(document.uri);
               std::optional<std::int64_t> hint;
               if (document.slot.hint_ms > 0) hint = document.slot.hint_ms / 1000;
               documents.push_back({std::move(document.uri), hint});
             }
             const std::int64_t started = NowMs();
             auto checked = [this, source, uris, started](SourceRunResult result) {
               if (*stopped_ || source->removed) return;
               OnWorker(
                   [this, name = source->config.name, uris, started, now = NowMs(),
                    confirming = std::move(result.confirming), settings = SettingsOf(*source)] {
                     return Reschedule(schedule_, store_, name, uris, confirming, started, now,
                                       settings);
                   },
                   [this, source](const Result<HintCounts>& counts) {
                     if (!counts.ok()) {
                       spdlog::error("source {}: cannot reschedule its documents: {}",
                                     source->config.name, counts.status().ToString());
                     } else {
                       source->hints += *counts;
                       Publish(*source);
                     }
                     source->next_due_known = false;
                     Done(source);
                   });
             };
             if (source->config.kind == config::SourceKind::kHttp) {
               engine_.CheckSource(source->config.name, std::move(checked));
             } else {
               engine_.CheckDocuments(source->config.name, std::move(documents),
                                      std::move(checked));
             }
           });
}

void AdaptiveSchedule::Reallocate() {
  for (auto& [name, source] : sources_) {
    if (source->busy) {
      source->reallocation_wanted = true;
    } else {
      source->timer->Cancel();
      StartReallocation(source);
    }
  }
}

void AdaptiveSchedule::StartReallocation(const SourcePtr& source) {
  source->busy = true;
  source->reallocation_wanted = false;
  const config::FetchSettings& fetch = source->config.fetch;
  // Hints followed: a moved hint makes its document due at once, so polling is planned only
  // for the changes hints miss (1 - recall of the budget, and a tenth at least: the sample
  // that verifies the hints); the rest of the budget waits for hinted checks.
  const double polled_share =
      source->has_hints && source->hints.trusted() ? std::max(0.1, 1 - source->hints.recall()) : 1;
  scheduler::AllocationLimits limits;
  limits.budget_per_second = kPlannedShare * polled_share * BudgetPerSecond(*fetch.budget);
  limits.min_interval_seconds = std::chrono::duration<double>(fetch.min_interval).count();
  limits.max_interval_seconds = std::chrono::duration<double>(fetch.max_interval).count();
  OnWorker(
      [this, name = source->config.name, limits, confidence = confidence_, now = NowMs()] {
        return daemon::Reallocate(schedule_, store_, name, limits, confidence, now);
      },
      [this, source](const Result<AllocationSummary>& summary) {
        if (!summary.ok()) {
          spdlog::error("source {}: cannot reallocate its budget: {}", source->config.name,
                        summary.status().ToString());
        } else {
          source->allocation = *summary;
          source->allocated = true;
          Publish(*source);
        }
        source->next_due_known = false;
        Done(source);
      });
}

void AdaptiveSchedule::Publish(const Source& source) {
  const metrics::SourceLabels labels{source.config.workload, source.config.name};
  if (source.allocated) {
    metrics_.SetSchedule(labels, source.allocation.expected_freshness,
                         source.allocation.planned_requests_per_second);
  }
  // No figure before there is evidence: a precision of 1 from no checks would be a claim.
  if (source.has_hints && source.hints.hinted_checks + source.hints.changes > 0) {
    metrics_.SetHintQuality(labels, source.hints.precision(), source.hints.recall());
  }
}

std::optional<AdaptiveView> AdaptiveSchedule::View(const std::string& name) const {
  auto found = sources_.find(name);
  if (found == sources_.end()) return std::nullopt;
  const Source& source = *found->second;
  AdaptiveView view;
  view.budget_per_second = BudgetPerSecond(*source.config.fetch.budget);
  view.budget_text = BudgetText(*source.config.fetch.budget);
  view.requests_in_window = engine_.RequestsInWindow(name);
  view.allocated = source.allocated;
  view.allocation = source.allocation;
  view.has_hints = source.has_hints;
  view.hints = source.hints;
  return view;
}

bool AdaptiveSchedule::Idle() const {
  // A source busy with an engine run waits for the engine (Engine::Idle says when that
  // waits for time to pass, as for a change's confirmation probes).
  return in_flight_ == 0;
}

}  // namespace freshd::daemon
