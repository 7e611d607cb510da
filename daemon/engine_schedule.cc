#include "daemon/engine_schedule.h"

#include <algorithm>

#include "daemon/adaptive_schedule.h"

namespace freshd::daemon {

EngineSchedule::EngineSchedule(boost::asio::io_context& io, const scheduler::Clock& clock,
                               scheduler::Scheduler& scheduler, Engine& engine)
    : clock_(clock), scheduler_(scheduler), engine_(engine), timer_(clock.CreateTimer(io)) {}

void EngineSchedule::Update() {
  for (const auto& name : engine_.SourceNames()) {
    const config::Source* source = engine_.FindSource(name);
    const SourceState* state = engine_.State(name);
    std::optional<scheduler::TimePoint> last_run;
    if (state->last_run_ms > 0) {
      last_run = scheduler::TimePoint(std::chrono::milliseconds(state->last_run_ms));
    }
    if (IsAdaptive(*source)) {  // AdaptiveSchedule runs it
      scheduler_.Remove(name);
      continue;
    }
    // An adaptive folder (or repository) is scanned (fetched) every listing_interval: only
    // files whose mtime (blob) moved are read, so the scan is what the per-document schedule
    // would be.
    scheduler_.Add(name,
                   source->fetch.adaptive ? source->fetch.listing_interval : source->fetch.interval,
                   last_run);
  }
  Arm();
}

void EngineSchedule::Arm() {
  if (stopped_) return;
  auto due = scheduler_.NextDue();
  if (!due) {
    timer_->Cancel();
    return;
  }
  const auto wait = std::chrono::duration_cast<scheduler::Duration>(*due - clock_.Now());
  timer_->Schedule(std::max(scheduler::Duration(0), wait), [this] { StartDue(); });
}

void EngineSchedule::StartDue() {
  if (stopped_) return;
  for (const auto& name : scheduler_.TakeDue()) {
    engine_.CheckSource(name, [this](SourceRunResult result) {
      scheduler_.Complete(result.source, result.failed);
      Arm();
    });
  }
  Arm();
}

void EngineSchedule::Stop() {
  stopped_ = true;
  timer_->Cancel();
}

}  // namespace freshd::daemon
