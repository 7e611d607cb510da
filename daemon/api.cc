#include "daemon/api.h"

namespace freshd::daemon {
namespace {

// Unix milliseconds as RFC 3339 UTC, or null when unknown.
nlohmann::json Timestamp(std::int64_t unix_ms) {
  if (unix_ms <= 0) return nullptr;
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string Target(const config::Source& source) {
  return source.kind == config::SourceKind::kDirectory ? source.path + "/" + source.glob
                                                       : source.url;
}

}  // namespace

nlohmann::json SourcesJson(const Engine& engine, const scheduler::Scheduler& scheduler) {
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& name : engine.SourceNames()) {
    const config::Source* source = engine.FindSource(name);
    const SourceState* state = engine.State(name);
    if (source == nullptr || state == nullptr) continue;
    auto due = scheduler.DueTime(name);
    sources.push_back({
        {"workload", source->workload},
        {"source", name},
        {"kind", config::ToString(source->kind)},
        {"target", Target(*source)},
        {"state", state->failing ? "failing" : "ok"},
        {"last_error",
         state->last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(state->last_error)},
        {"documents", state->documents},
        {"documents_failing", state->documents_failing},
        {"checks", state->checks},
        {"changes", state->changes},
        {"errors", state->errors},
        {"last_check", Timestamp(state->last_check_ms)},
        {"last_change", Timestamp(state->last_change_ms)},
        {"next_check", due ? Timestamp(scheduler::ToUnixMillis(*due)) : nlohmann::json(nullptr)},
        {"consecutive_failures", scheduler.ConsecutiveFailures(name)},
    });
  }
  return {{"sources", sources}};
}

nlohmann::json DocumentsJson(const store::StateStore& store, const std::string& source,
                             const std::string& after, std::size_t limit) {
  nlohmann::json documents = nlohmann::json::array();
  std::optional<std::string> next;
  store.ForEachDocumentAfter(
      source, after, [&](const store::DocumentKey& key, const store::DocumentRecord& record) {
        if (documents.size() == limit) {
          next = documents.back()["uri"].get<std::string>();
          return false;
        }
        documents.push_back({
            {"uri", key.uri},
            {"state", record.removed                  ? "removed"
                      : record.consecutive_errors > 0 ? "failing"
                                                      : "ok"},
            {"first_seen", Timestamp(record.first_seen_ms)},
            {"last_check", Timestamp(record.last_check_ms)},
            {"last_change", Timestamp(record.last_change_ms)},
            {"modified", Timestamp(record.modified_ms)},
            {"checks", record.checks},
            {"changes", record.changes},
            {"errors", record.errors},
            {"last_error", record.last_error.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(record.last_error)},
            {"content_hash", record.content_hash},
        });
        return true;
      });
  nlohmann::json page = {{"source", source}, {"documents", documents}};
  page["next"] = next ? nlohmann::json(*next) : nlohmann::json(nullptr);
  return page;
}

}  // namespace freshd::daemon
