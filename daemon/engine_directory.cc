// Folder sources: a scan, then files read and recorded in batches on the workers, so that a
// folder of 100,000 files never holds a worker for long.
#include "daemon/engine_impl.h"
#include "watchers/observe.h"

namespace freshd::daemon {
struct DirectoryWalk {
  std::string root;
  std::uint64_t max_bytes = 0;
  std::shared_ptr<const watchers::Normalizer> normalizer;
  std::vector<watchers::FileEntry> files;
  std::size_t next = 0;  // advanced on a worker; read on the loop only between batches
};

namespace {

constexpr std::size_t kFilesPerBatch = 256;

// Size and mtime unchanged since the last read: not modified, and not read again.
store::Observation ObserveFile(const DirectoryWalk& walk, const watchers::FileEntry& file,
                               const std::optional<store::DocumentRecord>& previous, bool indexed,
                               std::int64_t now_ms, watchers::Normalized* normalized) {
  const std::string validator = watchers::FileValidator(file);
  if (previous && !previous->removed && previous->etag == validator && indexed) {
    store::Observation observation;
    observation.kind = store::Observation::Kind::kNotModified;
    observation.time_ms = now_ms;
    return observation;
  }
  auto content = watchers::ReadFileCapped(walk.root + "/" + file.relative_path, walk.max_bytes);
  if (content.error != watchers::FetchError::kNone) {
    return watchers::ErrorObservation(now_ms, content.error, content.message);
  }
  // Files have no server-made noise: no probe, only the masks.
  store::Observation observation = watchers::ContentObservation(
      now_ms, *walk.normalizer, content.body, "", file.relative_path, "",
      previous ? previous->volatile_masks : std::vector<std::string>{}, normalized);
  if (observation.kind == store::Observation::Kind::kFetched) {
    observation.etag = validator;
    observation.modified_ms = file.mtime_ns / 1000000;
  }
  return observation;
}

}  // namespace

void Engine::Impl::StartDirectoryRun(const RunPtr& run) {
  auto walk = std::make_shared<DirectoryWalk>();
  walk->root = run->source->config.path;
  walk->max_bytes = run->source->config.fetch.max_bytes;
  walk->normalizer = run->source->normalizer;
  if (!run->source->removed) metrics.CountRequests(run->source->labels);  // the scan
  OnWorker([root = walk->root,
            glob = run->source->config.glob] { return watchers::ScanDirectory(root, glob); },
           [this, run, walk](watchers::DirectoryScan scan) {
             if (scan.error != watchers::FetchError::kNone) {
               SourceFailed(run, scan.error, scan.message);
               return;
             }
             walk->files = std::move(scan.files);
             NextDirectoryBatch(run, walk);
           });
}

// Reads and records the next batch on a worker, accounts for it on the loop, and goes on;
// after the last batch, the files that are gone are marked removed.
void Engine::Impl::NextDirectoryBatch(const RunPtr& run, std::shared_ptr<DirectoryWalk> walk) {
  if (walk->next >= walk->files.size() || run->source->removed) {
    std::unordered_set<std::string> present;
    for (const auto& file : walk->files)
      present.insert(watchers::FileUri(walk->root, file.relative_path));
    walk->files.clear();
    MarkVanished(run, std::move(present), [this, run] { FinishRun(run); });
    return;
  }
  OnWorker(
      [this, walk, name = run->name, workload = run->source->config.workload] {
        std::vector<Recorded> recorded;
        const std::size_t end = std::min(walk->files.size(), walk->next + kFilesPerBatch);
        for (; walk->next < end; ++walk->next) {
          const auto& file = walk->files[walk->next];
          store::DocumentKey key{name, watchers::FileUri(walk->root, file.relative_path)};
          watchers::Normalized normalized;
          Result<std::optional<store::DocumentRecord>> previous = PreviousRecord(key);
          if (!previous.ok()) {  // accounted as a store error
            recorded.push_back({std::move(key), previous.status(), {}, "", 0, 0});
            continue;
          }
          store::Observation observation =
              ObserveFile(*walk, file, *previous, Indexed(*previous), NowMs(), &normalized);
          auto result = RecordCheck(key, workload, observation, normalized.text);
          recorded.push_back({std::move(key), std::move(result), std::move(observation), "",
                              normalized.masked, normalized.invalid_utf8});
          recorded.back().truncated = normalized.truncated;
        }
        return recorded;
      },
      [this, run, walk](const std::vector<Recorded>& recorded) {
        if (!run->source->removed) metrics.CountRequests(run->source->labels, recorded.size());
        AccountAll(run, recorded);
        NextDirectoryBatch(run, walk);
      });
}

}  // namespace freshd::daemon
