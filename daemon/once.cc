// `freshd once`: every source checked once, the index operations delivered, a summary.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <iomanip>
#include <optional>
#include <ostream>

#include "daemon/daemon_impl.h"
#include "daemon/terminal.h"

namespace freshd::daemon {

int Daemon::Once(std::ostream& out) {
  Impl& impl = *impl_;
  // On a terminal, one line on stderr rewritten every 200 ms says how far the run is; log
  // lines erase it before they are written. Nothing at all when stderr is not a terminal.
  const bool show_progress = isatty(STDERR_FILENO) == 1;
  ProgressLine progress_line(stderr);
  std::optional<LogAroundProgress> logs_around_progress;
  if (show_progress) logs_around_progress.emplace(*spdlog::default_logger(), progress_line);
  if (!impl.OpenStore()) return 1;
  std::string error;
  std::vector<SourceRunResult> results;
  std::size_t pending = 0;
  const auto started = impl.clock.MonotonicNow();
  // Each source's counters when the run began. A running source's progress is read from its
  // counters as each batch (or document) is recorded: its documents that are new show as the
  // growth of its document count (exact until removals, which come at the end of its run); a
  // source that completed counts its run result, as the summary does.
  struct Counters {
    std::uint64_t checks = 0;
    std::uint64_t changes = 0;
    std::int64_t documents = 0;
  };
  std::map<std::string, Counters> counters_at_start;
  auto measure = [&] {
    RunProgress progress{.sources = counters_at_start.size(), .sources_done = results.size()};
    std::map<std::string, const SourceRunResult*> done;
    for (const auto& result : results) done[result.source] = &result;
    for (const auto& [name, start] : counters_at_start) {
      if (auto found = done.find(name); found != done.end()) {
        progress.documents_checked += found->second->documents_checked;
        progress.changed += found->second->changed;
      } else if (const SourceState* state = impl.engine->State(name)) {
        progress.documents_checked += state->checks - start.checks;
        progress.changed += state->changes - start.changes +
                            static_cast<std::uint64_t>(
                                std::max<std::int64_t>(0, state->documents - start.documents));
      }
    }
    progress.seconds = std::chrono::duration<double>(impl.clock.MonotonicNow() - started).count();
    return progress;
  };
  const std::unique_ptr<scheduler::Timer> progress_timer = impl.clock.CreateTimer(impl.io);
  std::function<void()> show_progress_later = [&] {
    progress_timer->Schedule(std::chrono::milliseconds(200), [&] {
      progress_line.Show(FormatProgress(measure()));
      show_progress_later();
    });
  };
  if (const Status configured = impl.engine->Configure(
          impl.config,
          [&] {
            const auto names = impl.engine->SourceNames();
            pending = names.size();
            if (pending == 0) impl.io.stop();
            for (const auto& name : names) {
              const SourceState* state = impl.engine->State(name);
              counters_at_start[name] = {state->checks, state->changes, state->documents};
            }
            if (show_progress) show_progress_later();
            for (const auto& name : names) {
              impl.engine->CheckSource(name, [&](SourceRunResult result) {
                results.push_back(std::move(result));
                if (--pending == 0) impl.io.stop();
              });
            }
          });
      !configured.ok()) {
    spdlog::critical("{}", configured.message());
    return 1;
  }
  // Work posted to the workers comes back to the loop: keep it running until the last run.
  auto guard = asio::make_work_guard(impl.io);
  impl.io.run();
  progress_timer->Cancel();
  progress_line.Clear();
  impl.engine->Stop();
  impl.workers.join();
  if (show_progress && impl.store->OutboxSize() > 0) {
    progress_line.Show("indexing: delivering " + std::to_string(impl.store->OutboxSize()) +
                       " operations to the rag store");
  }
  const rag::BatchResult delivered = impl.rag->DeliverAll();
  progress_line.Clear();
  logs_around_progress.reset();
  if (Status synced = impl.store->SyncWal(); !synced.ok()) {
    spdlog::error("cannot sync the write-ahead log: {}", synced.ToString());
  }

  const double seconds = std::chrono::duration<double>(impl.clock.MonotonicNow() - started).count();
  std::sort(results.begin(), results.end(),
            [](const auto& a, const auto& b) { return a.source < b.source; });
  int failed = 0;
  std::uint64_t documents = 0;
  std::uint64_t changed = 0;
  using Align = Table::Align;
  Table table({Align::kLeft, Align::kRight, Align::kRight, Align::kRight});
  table.AddRow({"SOURCE", "DOCUMENTS", "CHANGED", "ERRORS", "STATE"});
  for (const auto& result : results) {
    const SourceState* state = impl.engine->State(result.source);
    table.AddRow({result.source, std::to_string(result.documents_checked),
                  std::to_string(result.changed), std::to_string(result.errors),
                  result.failed ? "failing: " + (state ? state->last_error : "") : "ok"});
    failed += result.failed ? 1 : 0;
    documents += result.documents_checked;
    changed += result.changed;
  }
  out << table.Render();
  out << results.size() << " sources, " << documents << " documents checked, " << changed
      << " changed, " << failed << " sources failing, in " << std::fixed << std::setprecision(2)
      << seconds << " s\n";
  out << "rag store (" << impl.rag->sink_kind() << "): " << delivered.delivered
      << " index operations delivered";
  if (!delivered.ok()) {
    out << "; failing: " << delivered.status.message() << "; " << impl.store->OutboxSize()
        << " kept for the next run";
  }
  out << "\n";
  impl.schedule.reset();
  impl.engine.reset();
  impl.rag.reset();
  impl.store.reset();
  return failed == 0 && delivered.ok() ? 0 : 1;
}

}  // namespace freshd::daemon
