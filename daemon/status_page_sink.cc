// The RAG sink's card on the status page, from GET /api/v1/index.
#include "daemon/status_page_html.h"

namespace freshd::daemon::status_page {
namespace {

using nlohmann::json;

// The lag while operations wait is the age of the oldest one (it grows through an outage);
// with none waiting, the lag of the last acknowledged operation.
std::string Lag(const json& index, std::int64_t now_ms) {
  const std::string oldest = Str(index, "oldest_pending_detected");
  if (Number(index, "pending_operations") > 0 && !oldest.empty()) {
    return "<b>" + HumanDuration(Number(index, "oldest_pending_age_seconds")) +
           "</b> <span class=\"sub\">(the oldest pending operation's change, detected " +
           When(oldest, now_ms) + ")</span>";
  }
  if (Number(index, "pending_operations") > 0) return "unknown (operations pending)";
  if (!index.contains("last_lag_seconds") || !index["last_lag_seconds"].is_number()) {
    return "<span class=\"sub\">nothing pending; nothing acknowledged since start-up</span>";
  }
  return "<b>" + HumanDuration(Number(index, "last_lag_seconds")) +
         "</b> <span class=\"sub\">(nothing pending; the last acknowledged operation, " +
         When(Str(index, "last_acknowledged"), now_ms, "at an unknown time") + ")</span>";
}

std::string Warnings(const json& index) {
  if (!index.contains("warnings")) return "";
  const std::string items = List(index["warnings"], "ul", "warnings");
  return items.empty() ? "" : "<div class=\"alert\"><b>Warnings</b>" + items + "</div>";
}

}  // namespace

std::string SinkSection(const json& index, std::int64_t now_ms) {
  std::string html = "<section id=\"rag-store\"><h2>RAG store</h2>";
  if (!index.is_object() || !index.contains("state")) {
    return html + "<p class=\"empty\">The sink's state is not reported.</p></section>";
  }
  const bool failing = Str(index, "state") != "ok";
  html += std::string("<article class=\"card sink") + (failing ? " failing" : "") + "\"><h3>" +
          Escape(Str(index, "sink")) + "</h3>" +
          (failing ? Word("failing", "bad") : Word("ok", "ok"));
  if (failing) {
    html +=
        "<p class=\"alert bad-alert\"><b>The sink is failing:</b> operations stay in the outbox "
        "and are retried; nothing is lost.</p>";
  }
  html +=
      "<dl><dt>Pending operations</dt><dd>" + Escape(Str(index, "pending_operations")) + "</dd>";
  html += "<dt>Chunks held</dt><dd>" + Escape(Str(index, "chunks")) + "</dd>";
  html += "<dt>Lag</dt><dd>" + Lag(index, now_ms) + "</dd>";
  if (const std::string error = Str(index, "last_error"); !error.empty()) {
    html += "<dt>Last error</dt><dd class=\"error\">" + Escape(error) + "</dd>";
  }
  html += "</dl>" + Warnings(index);
  return html + "<footer><a href=\"/api/v1/index\">/api/v1/index</a></footer></article></section>";
}

}  // namespace freshd::daemon::status_page
