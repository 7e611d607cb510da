// The status page at `/`: one self-contained HTML document (inline CSS and SVG, no script,
// no external assets) built from the same JSON as /api/v1/workloads and /api/v1/sources.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace freshd::daemon {

// `workloads` and `sources` are WorkloadsJson and SourcesJson (or their bare arrays);
// `change_times` maps a source's name to the Unix ms of its recent changes; `now_ms` is the
// time shown in the header and the end of each source's 30-day chart. Every string taken
// from the JSON is escaped.
std::string RenderStatusPage(const nlohmann::json& workloads, const nlohmann::json& sources,
                             const std::map<std::string, std::vector<std::int64_t>>& change_times,
                             std::int64_t now_ms);

}  // namespace freshd::daemon
