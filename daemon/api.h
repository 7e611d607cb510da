// JSON documents of the HTTP API (/api/v1/*), built from the engine's summaries and the
// store. The API never shows a header value or any other secret.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "daemon/adaptive_schedule.h"
#include "daemon/assessor.h"
#include "daemon/document_schedule.h"
#include "daemon/engine.h"
#include "rag/embedded_index.h"
#include "scheduler/scheduler.h"
#include "store/state_store.h"

namespace freshd::daemon {

// Unix milliseconds as RFC 3339 UTC to the second, as every time in the API is written; null
// when unknown (0 or less).
nlohmann::json TimestampJson(std::int64_t unix_ms);

// Every source with its summary and its schedule: fixed (interval, next due time) or
// adaptive (budget, allocation, hints; each document has its own next check). Event-loop
// only (reads no disk). `adaptive` may be null.
nlohmann::json SourcesJson(const Engine& engine, const scheduler::Scheduler& scheduler,
                           const AdaptiveSchedule* adaptive = nullptr);

// One source's documents in URI order, starting after `after`, at most `limit`, with
// "next" set when there are more; for an adaptive source (`schedule` not null) each with
// its estimated rate, allotted interval and next check. Reads the store: call on a worker.
// Fails when the store cannot be read (a short page would look like the end).
Result<nlohmann::json> DocumentsJson(const store::StateStore& store, const std::string& source,
                                     const std::string& after, std::size_t limit,
                                     const DocumentSchedule* schedule = nullptr);

// One workload's assessment: rate estimate, change interval and bounds, frequency class,
// published and current recommendation, reasons, what is missing, per-source split.
nlohmann::json WorkloadJson(const std::string& name, const WorkloadView& view);

// Every workload, as WorkloadJson, under "workloads".
nlohmann::json WorkloadsJson(const std::map<std::string, WorkloadView>& views);

// The answer to a search of the embedded store: each chunk with its text, score, and where
// it came from (workload, source, URI, fetch time, content hash).
nlohmann::json SearchJson(const std::string& query, const std::vector<rag::SearchHit>& hits);

}  // namespace freshd::daemon
