// Repository::ListFiles and Repository::ReadBlob.
#include <algorithm>

#include "git/internal.h"
#include "watchers/directory.h"

namespace freshd::git {
namespace {

struct WalkState {
  const std::vector<std::string>* globs = nullptr;
  git_odb* odb = nullptr;
  Tree tree;
  Status error;
};

bool Matches(const std::vector<std::string>& globs, const std::string& path) {
  if (globs.empty()) return true;
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& glob) { return watchers::GlobMatch(glob, path); });
}

int VisitEntry(const char* root, const git_tree_entry* entry, void* payload) {
  auto* state = static_cast<WalkState*>(payload);
  const git_filemode_t mode = git_tree_entry_filemode(entry);
  if (mode == GIT_FILEMODE_TREE) return 0;  // descend
  std::string path = std::string(root) + git_tree_entry_name(entry);
  if (!Matches(*state->globs, path)) return 0;
  if (mode == GIT_FILEMODE_COMMIT) {
    state->tree.submodules.push_back(std::move(path));
  } else if (mode == GIT_FILEMODE_LINK) {
    state->tree.symlinks.push_back(std::move(path));
  } else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
    std::size_t size = 0;
    git_object_t type;
    if (git_odb_read_header(&size, &type, state->odb, git_tree_entry_id(entry)) != 0) {
      state->error = GitError(Status::Code::kCorruption, "reading the size of " + path);
      return -1;
    }
    state->tree.files.push_back(File{std::move(path), FormatId(*git_tree_entry_id(entry)), size});
  }
  return 0;
}

Result<OdbPtr> Odb(git_repository* repo) {
  git_odb* raw = nullptr;
  if (git_repository_odb(&raw, repo) != 0) {
    return GitError(Status::Code::kIOError, "opening the object database");
  }
  return OdbPtr(raw);
}

}  // namespace

Result<TreePtr> CommitTree(git_repository* repo, const ObjectId& commit) {
  auto oid = ParseId(commit);
  if (!oid.ok()) return oid.status();
  git_commit* raw_commit = nullptr;
  if (const int code = git_commit_lookup(&raw_commit, repo, &*oid); code != 0) {
    return GitError(code == GIT_ENOTFOUND ? Status::Code::kNotFound : Status::Code::kCorruption,
                    "reading commit " + commit);
  }
  const CommitPtr owned(raw_commit);
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, owned.get()) != 0) {
    return GitError(Status::Code::kCorruption, "reading the tree of " + commit);
  }
  return TreePtr(raw_tree);
}

Result<Tree> Repository::ListFiles(const ObjectId& commit,
                                   const std::vector<std::string>& globs) const {
  auto tree = CommitTree(impl_->repo.get(), commit);
  if (!tree.ok()) return tree.status();
  auto odb = Odb(impl_->repo.get());
  if (!odb.ok()) return odb.status();
  WalkState state;
  state.globs = &globs;
  state.odb = odb->get();
  if (git_tree_walk(tree->get(), GIT_TREEWALK_PRE, VisitEntry, &state) != 0) {
    if (!state.error.ok()) return state.error;
    return GitError(Status::Code::kCorruption, "walking the tree of " + commit);
  }
  auto& files = state.tree.files;
  std::sort(files.begin(), files.end(),
            [](const File& a, const File& b) { return a.path < b.path; });
  std::sort(state.tree.submodules.begin(), state.tree.submodules.end());
  std::sort(state.tree.symlinks.begin(), state.tree.symlinks.end());
  return std::move(state.tree);
}

Result<std::string> Repository::ReadBlob(const ObjectId& blob, std::uint64_t max_bytes) const {
  auto oid = ParseId(blob);
  if (!oid.ok()) return oid.status();
  auto odb = Odb(impl_->repo.get());
  if (!odb.ok()) return odb.status();
  std::size_t size = 0;
  git_object_t type;
  if (const int code = git_odb_read_header(&size, &type, odb->get(), &*oid); code != 0) {
    return GitError(code == GIT_ENOTFOUND ? Status::Code::kNotFound : Status::Code::kCorruption,
                    "reading blob " + blob);
  }
  if (type != GIT_OBJECT_BLOB) return Status::InvalidArgument(blob + " is not a blob");
  if (size > max_bytes) {
    return Status::ResourceExhausted("blob " + blob + " has " + std::to_string(size) +
                                     " bytes, more than " + std::to_string(max_bytes));
  }
  git_blob* raw = nullptr;
  if (git_blob_lookup(&raw, impl_->repo.get(), &*oid) != 0) {
    return GitError(Status::Code::kCorruption, "reading blob " + blob);
  }
  const BlobPtr owned(raw);
  const auto* bytes = static_cast<const char*>(git_blob_rawcontent(owned.get()));
  return std::string(bytes, static_cast<std::size_t>(git_blob_rawsize(owned.get())));
}

}  // namespace freshd::git
