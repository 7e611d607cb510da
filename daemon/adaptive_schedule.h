// Runs the sources with `interval: adaptive` (DESIGN.md 6.3): each document has its own
// next check (DocumentSchedule, in the store); a sitemap's or feed's listing is read every
// `listing_interval` and a moved change hint makes its document due at once; and after
// each assessment the budget is spread anew over the documents by their estimated change
// rates (Reallocate). The budget itself is the engine's (Engine::RequestsAvailable): it
// holds every request for the source's documents, probes included, so it is a hard cap.
// Folders are not run here: their scan already reads only the files whose mtime moved, so
// EngineSchedule scans them every `listing_interval`.
//
// One thing at a time per source (a listing, a run of due documents, or a reallocation),
// so the schedule's store steps never race. Threads: every method on the event loop's
// thread; store work goes to the worker pool. The Engine outlives this.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "daemon/adaptive_work.h"
#include "daemon/document_schedule.h"
#include "daemon/engine.h"
#include "metrics/metrics.h"
#include "scheduler/clock.h"

namespace freshd::daemon {

// What the API and `freshd explain` show of an adaptive source.
struct AdaptiveView {
  double budget_per_second = 0;  // the cap
  std::string budget_text;       // "400/m"
  std::uint64_t requests_in_window = 0;
  bool allocated = false;  // an allocation ran since start-up
  AllocationSummary allocation;
  bool has_hints = false;  // the listing gives change hints
  HintCounts hints;
};

class AdaptiveSchedule {
 public:
  AdaptiveSchedule(boost::asio::io_context& io, boost::asio::thread_pool& workers,
                   const scheduler::Clock& clock, store::StateStore& store, Engine& engine,
                   metrics::Metrics& metrics, double confidence);
  ~AdaptiveSchedule();
  AdaptiveSchedule(const AdaptiveSchedule&) = delete;
  AdaptiveSchedule& operator=(const AdaptiveSchedule&) = delete;

  // Takes the adaptive sources from the engine's configuration (a source that stays keeps
  // its budget window and counts) and starts them.
  void Update(double confidence);
  // Spreads each source's budget anew from its documents' estimates (after an assessment).
  void Reallocate();
  // No run starts after this.
  void Stop();

  std::optional<AdaptiveView> View(const std::string& source) const;
  // No store work of this schedule is in flight (for tests).
  bool Idle() const;

 private:
  struct Source;
  using SourcePtr = std::shared_ptr<Source>;
  void Wake(const SourcePtr& source);
  void Arm(const SourcePtr& source);
  void StartListing(const SourcePtr& source);
  void StartChecks(const SourcePtr& source, std::size_t limit);
  void StartReallocation(const SourcePtr& source);
  void ReadNextDue(const SourcePtr& source);
  void Done(const SourcePtr& source);
  RescheduleSettings SettingsOf(const Source& source) const;
  void Publish(const Source& source);
  std::int64_t NowMs() const;

  template <typename Work, typename Then>
  void OnWorker(Work work, Then then);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& workers_;
  const scheduler::Clock& clock_;
  store::StateStore& store_;
  DocumentSchedule schedule_;
  Engine& engine_;
  metrics::Metrics& metrics_;
  double confidence_;
  std::map<std::string, SourcePtr> sources_;
  // Read by worker jobs, which may outlive the schedule.
  std::shared_ptr<std::atomic<bool>> stopped_ = std::make_shared<std::atomic<bool>>(false);
  std::size_t in_flight_ = 0;
};

}  // namespace freshd::daemon
