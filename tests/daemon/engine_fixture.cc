#include "tests/daemon/engine_fixture.h"

#include <algorithm>
#include <stdexcept>

#include "rag/tables.h"

namespace freshd::testing {
namespace {

scheduler::TimePoint Start() { return scheduler::TimePoint(std::chrono::hours(24 * 20000)); }

scheduler::SchedulerOptions Seeded() {
  scheduler::SchedulerOptions options;
  options.seed = 7;
  return options;
}

}  // namespace

daemon::EngineOptions NoProbes() {
  daemon::EngineOptions options;
  options.new_documents_probed_per_run = 0;
  return options;
}

EngineFixture::EngineFixture(const std::string& workloads_yaml, daemon::EngineOptions options,
                             const std::string& defaults_yaml)
    : guard_(boost::asio::make_work_guard(io_)),
      clock_(Start()),
      fetcher_(io_, clock_),
      scheduler_(clock_, Seeded()) {
  store::StoreOptions store_options;
  rag::DeclareTables(store_options);
  daemon::DeclareScheduleTable(store_options);
  auto opened = store::StateStore::Open(dir_ / "state", store_options);
  if (!opened.ok()) throw std::runtime_error(opened.status().ToString());
  store_ = std::move(opened).value();
  if (options.git_dir.empty()) options.git_dir = dir_ / "git";
  engine_ =
      std::make_unique<daemon::Engine>(io_, workers_, *store_, metrics_, clock_, fetcher_, options);
  schedule_ = std::make_unique<daemon::EngineSchedule>(io_, clock_, scheduler_, *engine_);
  adaptive_ = std::make_unique<daemon::AdaptiveSchedule>(io_, workers_, clock_, *store_, *engine_,
                                                         metrics_, 0.9);
  Install(defaults_yaml + "workloads:\n" + workloads_yaml);
}

EngineFixture::~EngineFixture() {
  schedule_->Stop();
  adaptive_->Stop();
  engine_->Stop();
  workers_.join();
}

void EngineFixture::Install(const std::string& yaml) {
  config::LoadResult loaded =
      config::Parse("state_dir: " + (dir_ / "state") + "\n" + yaml, dir_ / "freshd.yaml");
  if (!loaded.config) throw std::runtime_error(loaded.errors.front().ToString());
  if (const Status status = engine_->Configure(*loaded.config, [] {}); !status.ok()) {
    throw std::runtime_error(status.message());
  }
  Settle();
}

std::string EngineFixture::Reconfigure(const std::string& workloads_yaml) {
  try {
    Install("workloads:\n" + workloads_yaml);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return "";
}

daemon::SourceRunResult EngineFixture::Check(const std::string& source) {
  daemon::SourceRunResult result;
  bool done = false;
  engine_->CheckSource(source, [&](daemon::SourceRunResult r) {
    result = std::move(r);
    done = true;
  });
  Settle();
  // A change waits for its confirmation probes: simulated time moves on to each timer.
  while (!done || engine_->ConfirmationsPending() > 0) {
    const auto due = clock_.NextTimerDue();
    if (!due) throw std::logic_error("the run of " + source + " did not finish");
    const auto wait = std::chrono::ceil<scheduler::Duration>(*due - clock_.MonotonicNow());
    Advance(std::max(wait, scheduler::Duration::zero()));
  }
  return result;
}

void EngineFixture::StartSchedule() {
  schedule_->Update();
  adaptive_->Update(0.9);
  Settle();
}

void EngineFixture::Reallocate() {
  adaptive_->Reallocate();
  Settle();
}

void EngineFixture::Advance(scheduler::Duration by) {
  clock_.Advance(by, [this] { Settle(); });
  Settle();
}

void EngineFixture::Settle() {
  for (;;) {
    io_.restart();
    while (io_.poll() > 0) {
    }
    if (engine_->Idle() && adaptive_->Idle()) {
      // The last worker result may have queued more (a run's end, a next fetch).
      if (io_.poll() == 0 && engine_->Idle() && adaptive_->Idle()) return;
      continue;
    }
    // A worker's result comes back through the loop: wait for it (no timing assumed).
    io_.run_one_for(std::chrono::milliseconds(100));
  }
}

const daemon::SourceState& EngineFixture::State(const std::string& source) const {
  const daemon::SourceState* state = engine_->State(source);
  if (state == nullptr) throw std::logic_error("no source " + source);
  return *state;
}

}  // namespace freshd::testing
