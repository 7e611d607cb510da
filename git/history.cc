// Repository::History: one first-parent walk, comparing each commit's tree with its first
// parent's. The comparison is our own rather than git_diff_tree_to_tree: libgit2 1.5's tree
// diff visits every entry of both trees (10,000 files: 1.5 ms a commit), where skipping the
// subtrees whose ids are equal, and those holding no wanted path, visits only the few
// folders a commit touched.
#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "git/internal.h"

namespace freshd::git {
namespace {

// The walk's per-path results, and how many paths still wait for the commit that added them.
class Histories {
 public:
  explicit Histories(const std::vector<std::string>& paths) {
    for (const auto& path : paths) files_.push_back(FileHistory{path, {}, false});
    const auto by_path = [](const FileHistory& a, const FileHistory& b) { return a.path < b.path; };
    const auto same = [](const FileHistory& a, const FileHistory& b) { return a.path == b.path; };
    std::sort(files_.begin(), files_.end(), by_path);
    files_.erase(std::unique(files_.begin(), files_.end(), same), files_.end());
    for (std::size_t i = 0; i < files_.size(); ++i) {
      index_.emplace(files_[i].path, i);
      const std::string& path = files_[i].path;
      for (auto slash = path.find('/'); slash != std::string::npos;
           slash = path.find('/', slash + 1)) {
        folders_.insert(path.substr(0, slash + 1));
      }
    }
    open_ = files_.size();
  }

  bool AllComplete() const { return open_ == 0; }
  // Whether `folder` ("a/b/") holds a wanted path.
  bool Wanted(const std::string& folder) const { return folders_.count(folder) > 0; }

  // `path` was added (absent from the parent) or modified by a commit at `time_ms`.
  void Record(const std::string& path, bool added, std::int64_t time_ms) {
    const auto found = index_.find(path);
    if (found == index_.end()) return;
    FileHistory& file = files_[found->second];
    if (file.complete) return;  // older commits belong to an earlier file of that name
    file.commit_times_ms.push_back(time_ms);
    if (added) {
      file.complete = true;
      --open_;
    }
  }

  std::vector<FileHistory> Take() { return std::move(files_); }

 private:
  std::vector<FileHistory> files_;
  std::unordered_map<std::string, std::size_t> index_;  // path -> files_[i]
  std::unordered_set<std::string> folders_;
  std::size_t open_ = 0;
};

Result<TreePtr> Subtree(git_repository* repo, const git_tree_entry* entry) {
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, repo, git_tree_entry_id(entry)) != 0) {
    return GitError(Status::Code::kCorruption, "reading a tree");
  }
  return TreePtr(raw);
}

// Records the wanted files of `now` (under `prefix`) that differ from `before` (nullptr: an
// empty tree). Deletions are not recorded: a history is that of the path's current file.
Status CompareTrees(git_repository* repo, const git_tree* before, const git_tree* now,
                    const std::string& prefix, std::int64_t time_ms, Histories& histories) {
  const std::size_t count = git_tree_entrycount(now);
  for (std::size_t i = 0; i < count; ++i) {
    const git_tree_entry* entry = git_tree_entry_byindex(now, i);
    const char* name = git_tree_entry_name(entry);
    const git_tree_entry* old = before ? git_tree_entry_byname(before, name) : nullptr;
    if (old != nullptr && git_oid_equal(git_tree_entry_id(old), git_tree_entry_id(entry)) &&
        git_tree_entry_filemode(old) == git_tree_entry_filemode(entry)) {
      continue;
    }
    std::string path = prefix + name;
    if (git_tree_entry_type(entry) != GIT_OBJECT_TREE) {
      const bool added = old == nullptr || git_tree_entry_type(old) == GIT_OBJECT_TREE;
      histories.Record(path, added, time_ms);
      continue;
    }
    path += '/';
    if (!histories.Wanted(path)) continue;
    auto subtree = Subtree(repo, entry);
    if (!subtree.ok()) return subtree.status();
    TreePtr old_subtree;
    if (old != nullptr && git_tree_entry_type(old) == GIT_OBJECT_TREE) {
      auto found = Subtree(repo, old);
      if (!found.ok()) return found.status();
      old_subtree = std::move(found).value();
    }
    if (Status status =
            CompareTrees(repo, old_subtree.get(), subtree->get(), path, time_ms, histories);
        !status.ok()) {
      return status;
    }
  }
  return Status::OK();
}

Result<TreePtr> TreeOf(const git_commit* commit) {
  git_tree* raw = nullptr;
  if (git_commit_tree(&raw, commit) != 0) {
    return GitError(Status::Code::kCorruption,
                    "reading the tree of " + FormatId(*git_commit_id(commit)));
  }
  return TreePtr(raw);
}

Status CompareWithParent(git_repository* repo, const git_oid& oid, Histories& histories) {
  git_commit* raw_commit = nullptr;
  if (git_commit_lookup(&raw_commit, repo, &oid) != 0) {
    return GitError(Status::Code::kCorruption, "reading commit " + FormatId(oid));
  }
  const CommitPtr commit(raw_commit);
  auto tree = TreeOf(commit.get());
  if (!tree.ok()) return tree.status();
  TreePtr parent_tree;  // none for the root commit: everything in it is added
  if (git_commit_parentcount(commit.get()) > 0) {
    git_commit* raw_parent = nullptr;
    if (git_commit_parent(&raw_parent, commit.get(), 0) != 0) {
      return GitError(Status::Code::kCorruption, "reading the parent of " + FormatId(oid));
    }
    const CommitPtr parent(raw_parent);
    auto found = TreeOf(parent.get());
    if (!found.ok()) return found.status();
    parent_tree = std::move(found).value();
  }
  const std::int64_t time_ms = static_cast<std::int64_t>(git_commit_time(commit.get())) * 1000;
  return CompareTrees(repo, parent_tree.get(), tree->get(), "", time_ms, histories);
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
  for (std::uint32_t walked = 0; walked < depth && !histories.AllComplete(); ++walked) {
    const int code = git_revwalk_next(&oid, walk.get());
    if (code == GIT_ITEROVER) break;
    if (code != 0) return GitError(Status::Code::kCorruption, "walking back from " + commit);
    if (stop && git_oid_equal(&oid, &*stop)) break;
    if (Status status = CompareWithParent(repo, oid, histories); !status.ok()) return status;
  }
  return histories.Take();
}

}  // namespace freshd::git
