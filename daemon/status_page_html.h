// The pieces the status page is built of (private to freshd_server): text from the JSON
// made safe for HTML, times and durations for a person, the change chart and the RAG
// sink's card. Every string taken from the JSON is escaped here.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace freshd::daemon::status_page {

std::string Escape(std::string_view text);

// `text` percent-encoded for a URL's query value (all but A-Z a-z 0-9 - . _ ~), which leaves
// nothing to escape for HTML.
std::string UrlComponent(std::string_view text);
// `text` as a path segment, HTML-escaped: only what a segment cannot hold is
// percent-encoded (the server does not decode paths: /api/v1/workloads/NAME matches as sent).
std::string PathSegment(std::string_view text);

// A field as text: "" when absent or null, numbers in their JSON form.
std::string Str(const nlohmann::json& object, const char* key);
// A numeric field, 0 when absent or not a number.
double Number(const nlohmann::json& object, const char* key);

// 237 ms, 42 s, 5 min, 3.2 h, 12 d: one decimal below ten of a unit, none above; "0 s" for 0.
std::string HumanDuration(double seconds);

// RFC 3339 UTC ("2024-05-01T12:00:03Z") as Unix ms; 0 when absent or unreadable.
std::int64_t ParseTimestamp(const std::string& text);
// "2026-12-03 20:41:07 UTC" (or `format`, a strftime format in UTC).
std::string FormatUtc(std::int64_t unix_ms, const char* format = "%Y-%m-%d %H:%M:%S UTC");

// An RFC 3339 time as "2026-12-03 20:41:07 UTC" with "5 min ago" (or "in 5 min") beside it,
// or `absent` (already HTML) when there is no time.
std::string When(const std::string& timestamp, std::int64_t now_ms,
                 std::string_view absent = "<span class=\"sub\">never</span>");

// A badge holding `word`; `css` is one of ok, bad, warn, info, none.
std::string Word(const std::string& word, const char* css);

// An <ol> or <ul> of escaped lines; "" when `lines` is empty or not an array.
std::string List(const nlohmann::json& lines, const std::string& tag, const char* css);

// A URL or path that wraps only after "/" and before "?", "&" and "#", never inside a word;
// a part longer than fits is shortened with an ellipsis, the whole text in the title.
std::string Target(const std::string& target);

// Changes per UTC day over the 30 days that end on the day of `now_ms`: one bar per day,
// the count scale on the left, the dates below.
std::string ChangeChart(const std::vector<std::int64_t>& times, std::int64_t now_ms);

// A workload's card: strategy, recommendation, change interval, decision path, missing.
std::string WorkloadCard(const nlohmann::json& workload, std::int64_t now_ms);

// The RAG sink: kind, state, pending operations, chunks held, lag, last error, warnings.
// `index` is RagService::StateJson (null or not an object: "not reported").
std::string SinkSection(const nlohmann::json& index, std::int64_t now_ms);

}  // namespace freshd::daemon::status_page
