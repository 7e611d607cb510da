// Repository::History: one first-parent walk, a tree diff per commit.
#include <algorithm>
#include <optional>
#include <unordered_map>

#include "git/internal.h"

namespace freshd::git {
namespace {

// The walk's per-path results, and how many paths still wait for their add.
struct Histories {
  std::vector<FileHistory> files;
  std::unordered_map<std::string_view, std::size_t> index;  // path -> files[i]
  std::size_t open = 0;

  explicit Histories(const std::vector<std::string>& paths) {
    files.reserve(paths.size());
    for (const auto& path : paths) files.push_back(FileHistory{path, {}, false});
    std::sort(files.begin(), files.end(),
              [](const FileHistory& a, const FileHistory& b) { return a.path < b.path; });
    files.erase(
        std::unique(files.begin(), files.end(),
                    [](const FileHistory& a, const FileHistory& b) { return a.path == b.path; }),
        files.end());
    for (std::size_t i = 0; i < files.size(); ++i) index.emplace(files[i].path, i);
    open = files.size();
  }

  void Record(const git_diff_delta& delta, std::int64_t time_ms) {
    if (delta.status == GIT_DELTA_DELETED || delta.new_file.path == nullptr) return;
    const auto found = index.find(delta.new_file.path);
    if (found == index.end()) return;
    FileHistory& file = files[found->second];
    if (file.complete) return;  // older commits belong to an earlier file of that name
    file.commit_times_ms.push_back(time_ms);
    if (delta.status == GIT_DELTA_ADDED) {
      file.complete = true;
      --open;
    }
  }
};

Result<TreePtr> ParentTree(const git_commit* commit) {
  if (git_commit_parentcount(commit) == 0) return TreePtr();  // the root: diff to empty
  git_commit* raw_parent = nullptr;
  if (git_commit_parent(&raw_parent, commit, 0) != 0) {
    return GitError(Status::Code::kCorruption, "reading a parent commit");
  }
  const CommitPtr parent(raw_parent);
  git_tree* raw = nullptr;
  if (git_commit_tree(&raw, parent.get()) != 0) {
    return GitError(Status::Code::kCorruption, "reading a parent tree");
  }
  return TreePtr(raw);
}

Status DiffCommit(git_repository* repo, const git_oid& oid, Histories& histories) {
  git_commit* raw_commit = nullptr;
  if (git_commit_lookup(&raw_commit, repo, &oid) != 0) {
    return GitError(Status::Code::kCorruption, "reading commit " + FormatId(oid));
  }
  const CommitPtr commit(raw_commit);
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit.get()) != 0) {
    return GitError(Status::Code::kCorruption, "reading the tree of " + FormatId(oid));
  }
  const TreePtr tree(raw_tree);
  auto parent_tree = ParentTree(commit.get());
  if (!parent_tree.ok()) return parent_tree.status();
  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  options.flags = GIT_DIFF_SKIP_BINARY_CHECK;
  git_diff* raw_diff = nullptr;
  if (git_diff_tree_to_tree(&raw_diff, repo, parent_tree->get(), tree.get(), &options) != 0) {
    return GitError(Status::Code::kCorruption, "diffing " + FormatId(oid));
  }
  const DiffPtr diff(raw_diff);
  const std::int64_t time_ms = static_cast<std::int64_t>(git_commit_time(commit.get())) * 1000;
  const std::size_t count = git_diff_num_deltas(diff.get());
  for (std::size_t i = 0; i < count; ++i) {
    histories.Record(*git_diff_get_delta(diff.get(), i), time_ms);
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<FileHistory>> Repository::History(const ObjectId& commit,
                                                     const std::vector<std::string>& paths,
                                                     std::uint32_t depth,
                                                     const ObjectId& stop_at) const {
  auto start = ParseId(commit);
  if (!start.ok()) return start.status();
  std::optional<git_oid> stop;
  if (!stop_at.empty()) {
    auto parsed = ParseId(stop_at);
    if (!parsed.ok()) return parsed.status();
    stop = *parsed;
  }
  git_repository* repo = impl_->repo.get();
  git_revwalk* raw_walk = nullptr;
  if (git_revwalk_new(&raw_walk, repo) != 0) {
    return GitError(Status::Code::kIOError, "starting the history walk");
  }
  const RevwalkPtr walk(raw_walk);
  git_revwalk_simplify_first_parent(walk.get());
  if (const int code = git_revwalk_push(walk.get(), &*start); code != 0) {
    return GitError(code == GIT_ENOTFOUND ? Status::Code::kNotFound : Status::Code::kCorruption,
                    "walking back from " + commit);
  }
  Histories histories(paths);
  git_oid oid;
  for (std::uint32_t walked = 0; walked < depth && histories.open > 0; ++walked) {
    const int code = git_revwalk_next(&oid, walk.get());
    if (code == GIT_ITEROVER) break;
    if (code != 0) return GitError(Status::Code::kCorruption, "walking back from " + commit);
    if (stop && git_oid_equal(&oid, &*stop)) break;
    if (Status status = DiffCommit(repo, oid, histories); !status.ok()) return status;
  }
  return std::move(histories.files);
}

}  // namespace freshd::git
