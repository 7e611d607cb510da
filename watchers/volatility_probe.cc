// The volatility probe's policy: which checks are probed, when, and which masks the
// probes confirm.
#include <algorithm>

#include "watchers/volatility.h"

namespace freshd::watchers {

bool ShouldProbe(bool changed, bool is_new, int new_probed_this_run, std::size_t waiting,
                 const ProbeBudget& budget) {
  if (waiting >= budget.max_waiting) return false;
  return changed || (is_new && new_probed_this_run < budget.new_per_run);
}

std::vector<std::string> ConfirmVolatileMasks(const std::vector<std::string>& texts,
                                              std::vector<std::string> current) {
  if (texts.size() < 3 || texts[0] == texts[1] || texts[1] == texts[2]) return current;
  const auto first = LearnVolatileMasks(texts[0], texts[1]).masks;
  const auto second = LearnVolatileMasks(texts[1], texts[2]).masks;
  for (const auto& mask : first) {
    const bool confirmed = std::find(second.begin(), second.end(), mask) != second.end();
    const bool known = std::find(current.begin(), current.end(), mask) != current.end();
    if (confirmed && !known && current.size() < kMaxMasksPerDocument) current.push_back(mask);
  }
  return current;
}

NextProbe PlanNextProbe(const std::vector<std::string>& texts, std::chrono::milliseconds used,
                        const ProbeDelays& delays) {
  if (texts.size() == 2 && texts[0] == texts[1] && used < delays.slow) {
    return {NextProbe::Step::kRetrySlower, delays.slow};
  }
  // Moved once, then not: a clock that shows minutes ticked between the quick probes.
  if (texts.size() == kProbeTexts && texts[0] != texts[1] && texts[1] == texts[2] &&
      used < delays.slow) {
    return {NextProbe::Step::kRetrySlower, delays.slow};
  }
  if (texts.size() < kProbeTexts) return {NextProbe::Step::kFetch, used};
  return {NextProbe::Step::kDone, std::chrono::milliseconds{0}};
}

}  // namespace freshd::watchers
