// The metric names freshd exports (DESIGN.md section 5, plus those metrics/metrics.cc
// adds: configuration reloads, masked volatile text, invalid UTF-8, skipped listing
// entries, HTTP connections, the failure gauges; and the process collector's), so that the
// shipped alerts and dashboard cannot refer to a misspelt metric: promtool parses such a
// query happily and it just returns nothing. Add a metric here when freshd starts exporting
// it.
#pragma once

#include <regex>
#include <set>
#include <string>
#include <vector>

namespace freshd_assets {

inline const std::set<std::string>& KnownMetrics() {
  static const std::set<std::string> names = [] {
    std::set<std::string> n = {
        "freshd_build_info",
        "freshd_source_checks_total",
        "freshd_source_errors_total",
        "freshd_source_requests_total",
        "freshd_source_documents",
        "freshd_source_last_check_timestamp_seconds",
        "freshd_source_last_change_timestamp_seconds",
        "freshd_source_consecutive_failures",
        "freshd_source_change_rate_per_second",
        "freshd_source_history_trusted",
        "freshd_source_request_budget_per_second",
        "freshd_source_planned_requests_per_second",
        "freshd_source_expected_freshness",
        "freshd_source_hint_precision",
        "freshd_source_hint_recall",
        "freshd_source_volatile_fragments_masked_total",
        "freshd_source_invalid_utf8_sequences_total",
        "freshd_source_listing_entries_skipped_total",
        "freshd_workload_change_interval_seconds",
        "freshd_workload_recommendation",
        "freshd_workload_strategy_mismatch",
        "freshd_workload_documents_changed_since_training",
        "freshd_workload_changed_since_training_ratio",
        "freshd_index_operations_total",
        "freshd_index_pending_operations",
        "freshd_index_chunks",
        "freshd_index_sink_failing",
        "freshd_store_errors_total",
        "freshd_config_last_reload_successful",
        "freshd_config_last_reload_success_timestamp_seconds",
        "freshd_http_connections",
        "freshd_http_connections_refused_total",
        "freshd_http_idle_connections_closed_total",
        // The standard process collector (metrics/process_collector.h).
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_virtual_memory_bytes",
        "process_start_time_seconds",
        "process_open_fds",
        "process_max_fds",
    };
    // Histograms: the series Prometheus stores.
    for (const char* histogram : {"freshd_fetch_duration_seconds", "freshd_index_lag_seconds"}) {
      for (const char* suffix : {"_bucket", "_sum", "_count"})
        n.insert(std::string(histogram) + suffix);
    }
    return n;
  }();
  return names;
}

// Every freshd_* or process_* identifier in a PromQL expression that is not a known metric.
inline std::vector<std::string> UnknownMetrics(const std::string& expr) {
  static const std::regex metric(R"(\b(freshd|process)_[a-zA-Z0-9_:]*)");
  std::vector<std::string> unknown;
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), metric);
       it != std::sregex_iterator(); ++it) {
    if (!KnownMetrics().contains(it->str())) unknown.push_back(it->str());
  }
  return unknown;
}

}  // namespace freshd_assets
