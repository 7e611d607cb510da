// Turns the store's check histories into the advisor's assessments of each workload, keeps
// the recommendation's hysteresis in the store (so that `hold_for` survives restarts), and
// says what to publish. A source's reported history (Last-Modified, mtime) is used only
// while its dates agree with the checks (advisor/trust.h); otherwise its documents are
// estimated from observation alone, and the change of trust is logged once (the state is
// kept in the store). Reads and writes the store: call it on a worker.
#pragma once

#include <map>
#include <string>

#include "advisor/advisor.h"
#include "config/config.h"
#include "store/state_store.h"

namespace freshd::daemon {

struct WorkloadView {
  advisor::Assessment assessment;
  advisor::Hysteresis hysteresis;  // hysteresis.published is what freshd publishes
  config::Strategy strategy = config::Strategy::kRag;
  bool has_training_date = false;
  std::uint64_t documents = 0;  // present documents, and those removed since training
  std::uint64_t changed_since_training = 0;
  double assessed_at = 0;  // Unix seconds
};

// The newest checks of each document that the advisor reads.
inline constexpr std::size_t kChecksPerDocument = 100;

// A workload whose documents cannot be read is left out (logged): its last view stands.
std::map<std::string, WorkloadView> AssessWorkloads(store::StateStore& store,
                                                    const config::Config& config, double now);

const char* StrategyName(config::Strategy strategy);
bool IsMismatch(const WorkloadView& view);

}  // namespace freshd::daemon
