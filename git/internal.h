// Private to git/: libgit2 handles owned by unique_ptrs, the process-wide libgit2 start, the
// error text of the last libgit2 call (without credentials) and the repository's state.
#pragma once

#include <git2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "git/repository.h"

namespace freshd::git {

template <auto Free>
struct GitDeleter {
  template <typename T>
  void operator()(T* handle) const {
    Free(handle);
  }
};
template <typename T, auto Free>
using GitPtr = std::unique_ptr<T, GitDeleter<Free>>;

using RepositoryPtr = GitPtr<git_repository, git_repository_free>;
using RemotePtr = GitPtr<git_remote, git_remote_free>;
using ConfigPtr = GitPtr<git_config, git_config_free>;
using ReferencePtr = GitPtr<git_reference, git_reference_free>;
using CommitPtr = GitPtr<git_commit, git_commit_free>;
using TreePtr = GitPtr<git_tree, git_tree_free>;
using BlobPtr = GitPtr<git_blob, git_blob_free>;
using OdbPtr = GitPtr<git_odb, git_odb_free>;
using RevwalkPtr = GitPtr<git_revwalk, git_revwalk_free>;
using DiffPtr = GitPtr<git_diff, git_diff_free>;

// git_libgit2_init, once per process (the library stays up until exit), and the socket
// stream of stream.cc registered in place of libgit2's own.
void InitLibgit2();

// While alive, the sockets libgit2 opens on this thread (git://, http(s)://, ssh://) give up
// a connect, read or write that waits more than `seconds` (0: no limit).
class StreamTimeout {
 public:
  explicit StreamTimeout(std::uint32_t seconds);
  ~StreamTimeout();
  StreamTimeout(const StreamTimeout&) = delete;
  StreamTimeout& operator=(const StreamTimeout&) = delete;

 private:
  std::uint32_t saved_;
};

// Registers the stream of stream.cc with libgit2 (called once, by InitLibgit2).
void RegisterTimedStream();

// `text` with the userinfo of any URL in it ("https://user:secret@host" -> "https://host").
std::string StripUserinfo(std::string_view text);

// The message of the last libgit2 error on this thread, userinfo stripped.
std::string LastErrorMessage();

// A status of `code` with "context: " and LastErrorMessage().
Status GitError(Status::Code code, std::string_view context);

// Parses 40 hex digits; InvalidArgument otherwise.
Result<git_oid> ParseId(const ObjectId& id);
ObjectId FormatId(const git_oid& oid);

// The root tree of `commit`: NotFound when the commit is not in the clone.
Result<TreePtr> CommitTree(git_repository* repo, const ObjectId& commit);

struct Repository::Impl {
  RepositoryPtr repo;
  RemoteOptions remote;
};

}  // namespace freshd::git
