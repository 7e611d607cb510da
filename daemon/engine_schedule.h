// Runs the engine at the scheduler's times: one timer, armed for the earliest due source;
// when it fires every due source is checked, and the end of each run reschedules that
// source (backing off when it failed) and arms the timer again.
//
// Threads: everything on the event loop's thread. The Engine and Scheduler outlive this.
#pragma once

#include <memory>

#include "daemon/engine.h"
#include "scheduler/clock.h"
#include "scheduler/scheduler.h"

namespace freshd::daemon {

class EngineSchedule {
 public:
  EngineSchedule(boost::asio::io_context& io, const scheduler::Clock& clock,
                 scheduler::Scheduler& scheduler, Engine& engine);
  EngineSchedule(const EngineSchedule&) = delete;
  EngineSchedule& operator=(const EngineSchedule&) = delete;

  // Adds every configured source to the scheduler (a source that stays keeps its times),
  // resuming from its last completed run, then arms the timer.
  void Update();
  // Arms the timer for the earliest due source (none when nothing waits).
  void Arm();
  // No run starts after this; runs in flight still reschedule their source.
  void Stop();

 private:
  void StartDue();

  const scheduler::Clock& clock_;
  scheduler::Scheduler& scheduler_;
  Engine& engine_;
  std::unique_ptr<scheduler::Timer> timer_;
  bool stopped_ = false;
};

}  // namespace freshd::daemon
