// A workload's card on the status page, from its entry in GET /api/v1/workloads.
#include <optional>

#include "daemon/status_page_html.h"

namespace freshd::daemon::status_page {
namespace {

using nlohmann::json;

std::string Interval(const json& interval) {
  const auto number = [&](const char* key) -> std::optional<double> {
    if (!interval.is_object() || !interval.contains(key) || !interval[key].is_number()) {
      return std::nullopt;
    }
    return interval[key].get<double>();
  };
  const auto estimate = number("estimate");
  if (!estimate) return "<span class=\"sub\">no change seen yet</span>";
  const auto lower = number("lower");
  const auto upper = number("upper");
  return "<b>&asymp; " + HumanDuration(*estimate) + "</b> <span class=\"sub\">(bounds " +
         (lower ? HumanDuration(*lower) : "0 s") + " &ndash; " +
         (upper ? HumanDuration(*upper) : "&infin;") + ")</span>";
}

const char* RecommendationCss(const std::string& recommendation, bool mismatch) {
  if (recommendation == "undecided" || recommendation.empty()) return "none";
  return mismatch ? "warn" : "ok";
}

std::string PerSource(const json& splits) {
  if (!splits.is_array() || splits.empty()) return "";
  std::string html = "<dt>Per source</dt><dd>";
  bool first = true;
  for (const json& split : splits) {
    if (!first) html += " &middot; ";
    first = false;
    html += Escape(Str(split, "source")) + " <b>" + Escape(Str(split, "frequency")) + "</b>";
  }
  return html + "</dd>";
}

std::string Pending(const json& workload, std::int64_t now_ms) {
  const std::string published = Str(workload, "recommendation");
  const std::string current = Str(workload, "current_recommendation");
  if (current.empty() || current == published) return "";
  std::string html = " <span class=\"note\">(latest assessment: <span class=\"word\">" +
                     Escape(current) + "</span>";
  if (const std::string since = Str(workload, "candidate_since"); !since.empty()) {
    html += ", held since " + When(since, now_ms);
  }
  return html + ")</span>";
}

}  // namespace

std::string WorkloadCard(const json& workload, std::int64_t now_ms) {
  const std::string name = Str(workload, "workload");
  const std::string strategy = Str(workload, "strategy");
  const std::string recommendation = Str(workload, "recommendation");
  const bool mismatch = workload.value("mismatch", false);
  std::string html = std::string("<article class=\"card") + (mismatch ? " mismatch" : "") +
                     "\"><h3>" + Escape(name) + "</h3>";
  if (mismatch) {
    html += Word("mismatch", "warn");
  } else {
    html += recommendation == "undecided" ? Word("no decision yet", "none") : Word("matches", "ok");
  }
  if (mismatch) {
    html += "<p class=\"alert\"><b>Mismatch:</b> this workload runs <b>" + Escape(strategy) +
            "</b>; freshd recommends <b>" + Escape(recommendation) + "</b>.</p>";
  }
  html += "<dl><dt>Current strategy</dt><dd>" + Word(strategy, "info") + "</dd>";
  html += "<dt>Recommendation</dt><dd>" +
          Word(recommendation, RecommendationCss(recommendation, mismatch)) +
          Pending(workload, now_ms) + "</dd>";
  html += "<dt>Frequency class</dt><dd><b>" + Escape(Str(workload, "frequency")) + "</b></dd>";
  html += "<dt>Change interval</dt><dd>" +
          Interval(workload.value("change_interval_seconds", json::object())) + "</dd>";
  html += PerSource(workload.value("sources", json::array())) + "</dl>";
  const json reasons = workload.value("reasons", json::array());
  const json missing = workload.value("missing", json::array());
  // The reasons are the assessment's words at its time: the heading says when that was.
  html += "<h4>Decision path, as assessed " +
          When(Str(workload, "assessed_at"), now_ms, "(not yet)") + "</h4>" +
          (reasons.empty() ? std::string("<p class=\"sub\">none yet</p>")
                           : List(reasons, "ol", "reasons"));
  html += "<h4>Missing</h4>" + (missing.empty() ? std::string("<p class=\"sub\">nothing</p>")
                                                : List(missing, "ul", "missing"));
  return html + "<footer><a href=\"/api/v1/workloads/" + PathSegment(name) +
         "\">/api/v1/workloads/" + Escape(name) + "</a></footer></article>";
}

}  // namespace freshd::daemon::status_page
