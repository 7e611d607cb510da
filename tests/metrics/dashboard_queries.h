// What dashboard_check requires of every panel query so that a dashboard over several freshd
// instances neither mixes them up nor merges them: each selector of a freshd_* or process_*
// metric carries the job and instance matchers of the dashboard's variables, and each
// aggregation keeps the instance label (`by (instance, ...)` before its argument).
#pragma once

#include <regex>
#include <string>
#include <vector>

namespace freshd_assets {

// The metrics selected in `expr` without both job=~"$job" and instance=~"$instance".
inline std::vector<std::string> SelectorsWithoutInstanceFilter(const std::string& expr) {
  static const std::regex selector(R"(\b((?:freshd|process)_[A-Za-z0-9_:]*)\s*(\{([^}]*)\})?)");
  static const std::regex job(R"(\bjob\s*=~\s*"\$job")");
  static const std::regex instance(R"(\binstance\s*=~\s*"\$instance")");
  std::vector<std::string> missing;
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), selector);
       it != std::sregex_iterator(); ++it) {
    const std::string matchers = (*it)[3].str();
    if (!std::regex_search(matchers, job) || !std::regex_search(matchers, instance)) {
      missing.push_back((*it)[1].str());
    }
  }
  return missing;
}

// The aggregations in `expr` that merge instances: no `by` clause before the argument (a
// trailing one is not recognised: write it first), a `by` without instance, or a `without`
// that names it.
inline std::vector<std::string> AggregationsMergingInstances(const std::string& expr) {
  static const std::regex aggregation(
      R"(\b(sum|min|max|avg|group|stddev|stdvar|count|count_values|topk|bottomk|quantile)\s*)"
      R"((?:(by|without)\s*\(([^)]*)\))?\s*\()");
  static const std::regex instance(R"(\binstance\b)");
  std::vector<std::string> merging;
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), aggregation);
       it != std::sregex_iterator(); ++it) {
    const std::string clause = (*it)[2].str();
    const bool names_instance = std::regex_search((*it)[3].str(), instance);
    if (clause.empty() || (clause == "by") != names_instance) merging.push_back(it->str());
  }
  return merging;
}

}  // namespace freshd_assets
