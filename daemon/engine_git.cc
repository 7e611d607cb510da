// git sources: a fetch of the branch and, when it brought commits, their history, then the
// files at the head read and recorded in batches on the workers, as a folder's are. A blob
// id is the file's validator: an unchanged one is "not modified" and is not read.
#include <spdlog/spdlog.h>

#include <mutex>

#include "daemon/engine_impl.h"
#include "daemon/git_history.h"
#include "git/repository.h"
#include "watchers/observe.h"

namespace freshd::daemon {

// A source's bare clone, opened once and used by one run at a time.
struct GitClone {
  std::mutex mutex;
  std::unique_ptr<git::Repository> repository;
};

struct GitWalk {
  std::shared_ptr<GitClone> clone;
  std::string url;
  std::string branch;
  std::uint64_t max_bytes = 0;
  std::shared_ptr<const watchers::Normalizer> normalizer;
  git::ObjectId head;
  std::vector<git::File> files;
  std::size_t next = 0;  // advanced on a worker; read on the loop only between batches
};

namespace {

constexpr std::size_t kFilesPerBatch = 256;

// The document's URI: the file's page at the branch on a known forge (a link a reader can
// follow), else the remote, the branch and the path.
std::string GitUri(const std::string& url, const std::string& branch, const std::string& path) {
  std::string link = git::Repository::WebLink(url, branch, path);
  if (!link.empty()) return link;
  const std::string remote = url.starts_with('/') ? "file://" + url : url;
  return remote + "#" + branch + ":" + path;
}

watchers::FetchError FetchErrorOf(const Status& status) {
  if (status.IsUnavailable()) return watchers::FetchError::kConnect;
  if (status.IsPermissionDenied() || status.IsNotFound()) return watchers::FetchError::kHttp4xx;
  return watchers::FetchError::kIo;
}

struct Fetched {
  Status status;  // not OK: the source-level fetch failed
  git::ObjectId head;
  std::vector<git::File> files;
  std::size_t submodules = 0;
};

// What the stored history covers: the commit it was read up to, and the source's `paths`
// then (other paths would leave files without history).
std::string WalkedValue(const std::string& head, const std::vector<std::string>& paths) {
  std::string value = head;
  for (const std::string& glob : paths) value.append("\n").append(glob);
  return value;
}

// Reads the history the fetch brought (all of it on the first fetch, after a rewrite, or
// when `paths` changed) into the store, before any of the files is recorded: a check then
// finds its file's commit times there.
Status KeepHistory(store::StateStore& store, const config::Source& source,
                   const git::Repository& repository, const git::FetchOutcome& fetched,
                   const std::vector<git::File>& files) {
  Result<std::string> walked = store.GetValue(GitWalkedKey(source.name));
  if (!walked.ok() && !walked.status().IsNotFound()) return walked.status();
  const std::string now_walked = WalkedValue(fetched.head, source.git.paths);
  if (walked.ok() && *walked == now_walked) return Status::OK();
  const std::string walked_head = walked.ok() ? walked->substr(0, walked->find('\n')) : "";
  const bool same_paths = walked.ok() && WalkedValue(walked_head, source.git.paths) == *walked;
  const bool replace = walked_head.empty() || !same_paths || fetched.rewritten;
  std::vector<std::string> paths;
  paths.reserve(files.size());
  for (const git::File& file : files) paths.push_back(file.path);
  Result<std::vector<git::FileHistory>> history =
      repository.History(fetched.head, paths, source.git.history_depth, replace ? "" : walked_head);
  if (!history.ok()) return history.status();
  for (const git::FileHistory& file : *history) {
    if (file.commit_times_ms.empty() && !replace) continue;
    const std::string uri = GitUri(source.git.url, source.git.branch, file.path);
    if (Status kept = StoreCommitTimes(store, source.name, uri, file.commit_times_ms, replace);
        !kept.ok()) {
      return kept;
    }
  }
  return store.PutValue(GitWalkedKey(source.name), now_walked);
}

Fetched FetchGit(store::StateStore& store, GitClone& clone, const config::Source& source,
                 const std::string& directory) {
  std::lock_guard lock(clone.mutex);
  if (!clone.repository) {
    git::RemoteOptions remote;
    remote.url = source.git.url;
    remote.branch = source.git.branch;
    remote.username = source.git.username;
    remote.token = source.git.token;
    remote.timeout_seconds = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(source.fetch.timeout).count());
    Result<std::unique_ptr<git::Repository>> opened = git::Repository::Open(directory, remote);
    if (!opened.ok()) return {opened.status(), {}, {}, 0};
    clone.repository = std::move(opened).value();
  }
  Result<git::FetchOutcome> fetched = clone.repository->Fetch();
  if (!fetched.ok()) return {fetched.status(), {}, {}, 0};
  Result<git::Tree> tree = clone.repository->ListFiles(fetched->head, source.git.paths);
  if (!tree.ok()) return {tree.status(), {}, {}, 0};
  Status kept = KeepHistory(store, source, *clone.repository, *fetched, tree->files);
  if (!kept.ok()) return {kept, {}, {}, 0};
  return {Status::OK(), fetched->head, std::move(tree->files), tree->submodules.size()};
}

// An unchanged blob of a document the index holds is not modified, and is not read.
// A file read is dated by its newest commit (reported history, see git_history.h).
store::Observation ObserveGitFile(const store::StateStore& store, const GitWalk& walk,
                                  const store::DocumentKey& key, const git::File& file,
                                  const std::optional<store::DocumentRecord>& previous,
                                  bool indexed, std::int64_t now_ms,
                                  watchers::Normalized* normalized) {
  if (previous && !previous->removed && previous->etag == file.blob && indexed) {
    store::Observation observation;
    observation.kind = store::Observation::Kind::kNotModified;
    observation.time_ms = now_ms;
    return observation;
  }
  Result<std::string> body = walk.clone->repository->ReadBlob(file.blob, walk.max_bytes);
  if (!body.ok()) {
    const watchers::FetchError error = body.status().IsResourceExhausted()
                                           ? watchers::FetchError::kTooLarge
                                           : watchers::FetchError::kIo;
    return watchers::ErrorObservation(now_ms, error, body.status().message());
  }
  store::Observation observation = watchers::ContentObservation(
      now_ms, *walk.normalizer, *body, "", file.path, "",
      previous ? previous->volatile_masks : std::vector<std::string>{}, normalized);
  if (observation.kind == store::Observation::Kind::kFetched) {
    const std::vector<std::int64_t> commits = LoadCommitTimes(store, key.source, key.uri);
    observation.etag = file.blob;
    observation.modified_ms = commits.empty() ? 0 : commits.back();
    observation.revision = walk.head;
    observation.path = file.path;
    observation.link = git::Repository::WebLink(walk.url, walk.head, file.path);
  }
  return observation;
}

}  // namespace

void Engine::Impl::StartGitRun(const RunPtr& run) {
  WatchedSource& source = *run->source;
  if (options.git_dir.empty()) {
    SourceFailed(run, watchers::FetchError::kIo, "no folder for git clones (state_dir)");
    return;
  }
  if (!source.git_clone) source.git_clone = std::make_shared<GitClone>();
  auto walk = std::make_shared<GitWalk>();
  walk->clone = source.git_clone;
  walk->url = source.config.git.url;
  walk->branch = source.config.git.branch;
  walk->max_bytes = source.config.fetch.max_bytes;
  walk->normalizer = source.normalizer;
  if (!source.removed) metrics.CountRequests(source.labels);  // the fetch
  OnWorker(
      [this, walk, config = source.config,
       directory = options.git_dir + "/" + source.config.name + ".git"] {
        return FetchGit(store, *walk->clone, config, directory);
      },
      [this, run, walk](Fetched fetched) {
        if (!fetched.status.ok()) {
          SourceFailed(run, FetchErrorOf(fetched.status), fetched.status.message());
          return;
        }
        if (fetched.submodules > 0 && run->source->git_submodules_logged != fetched.submodules) {
          spdlog::info("source {}: {} submodules are not followed", run->name, fetched.submodules);
          run->source->git_submodules_logged = fetched.submodules;
        }
        walk->head = std::move(fetched.head);
        walk->files = std::move(fetched.files);
        NextGitBatch(run, walk);
      });
}

// Reads and records the next batch on a worker, accounts for it on the loop, and goes on;
// after the last batch, the files that are gone are marked removed.
void Engine::Impl::NextGitBatch(const RunPtr& run, std::shared_ptr<GitWalk> walk) {
  if (walk->next >= walk->files.size() || run->source->removed) {
    std::unordered_set<std::string> present;
    for (const auto& file : walk->files) present.insert(GitUri(walk->url, walk->branch, file.path));
    walk->files.clear();
    MarkVanished(run, std::move(present), [this, run] { FinishRun(run); });
    return;
  }
  OnWorker(
      [this, walk, name = run->name, workload = run->source->config.workload] {
        std::lock_guard lock(walk->clone->mutex);
        std::vector<Recorded> recorded;
        const std::size_t end = std::min(walk->files.size(), walk->next + kFilesPerBatch);
        for (; walk->next < end; ++walk->next) {
          const git::File& file = walk->files[walk->next];
          store::DocumentKey key{name, GitUri(walk->url, walk->branch, file.path)};
          Result<std::optional<store::DocumentRecord>> previous = PreviousRecord(key);
          if (!previous.ok()) {  // accounted as a store error
            recorded.push_back({std::move(key), previous.status(), {}, "", 0, 0});
            continue;
          }
          watchers::Normalized normalized;
          store::Observation observation = ObserveGitFile(store, *walk, key, file, *previous,
                                                          Indexed(*previous), NowMs(), &normalized);
          auto result = RecordCheck(key, workload, observation, normalized.text);
          recorded.push_back({std::move(key), std::move(result), std::move(observation), "",
                              normalized.masked, normalized.invalid_utf8});
          recorded.back().truncated = normalized.truncated;
        }
        return recorded;
      },
      [this, run, walk](const std::vector<Recorded>& recorded) {
        AccountAll(run, recorded);
        NextGitBatch(run, walk);
      });
}

}  // namespace freshd::daemon
