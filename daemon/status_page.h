// The status page at `/`: one self-contained HTML document (inline CSS and SVG, no script,
// no external assets) built from the same JSON as /api/v1/workloads, /api/v1/sources and
// /api/v1/index. It reloads itself (a meta refresh) and links to /metrics and the API.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace freshd::daemon {

struct StatusPageInput {
  nlohmann::json workloads;  // WorkloadsJson (or its bare array)
  nlohmann::json sources;    // SourcesJson (or its bare array)
  nlohmann::json index;      // RagService::StateJson; null: the sink is not shown as known
  // A source's name -> the Unix ms of its recent changes, for its 30-day chart.
  std::map<std::string, std::vector<std::int64_t>> change_times;
  std::int64_t now_ms = 0;   // the time in the header, and the end of each chart
  int refresh_seconds = 30;  // the page reloads itself after this long; 0: never
};

// Every time is shown in UTC ("2026-12-03 20:41:07 UTC") with its distance from now_ms
// beside it; every string taken from the JSON is escaped. The header counts failing
// sources and, when the sink fails, says "sink failing".
std::string RenderStatusPage(const StatusPageInput& input);

}  // namespace freshd::daemon
