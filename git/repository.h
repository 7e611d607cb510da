// git sources (DESIGN.md 8a): a bare clone of one branch of a remote, the files at its
// head that match the source's globs, their blobs, and their commit history, with libgit2.
//
// Every call blocks (network, disk): call them from a worker thread, never the event loop.
// One Repository is used by one thread at a time; different ones are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace freshd::git {

struct RemoteOptions {
  std::string url;  // https://, http://, git://, ssh://, file:// or a local path
  std::string branch = "main";
  std::string username = "x-access-token";  // with `token`, for http(s) basic auth
  std::string token;  // a secret (from token_file): never logged, never in a message
  std::uint32_t timeout_seconds = 60;  // connect and transfer stall limit of a fetch
};

// 40 lowercase hex digits.
using ObjectId = std::string;

struct FetchOutcome {
  ObjectId head;           // the branch's commit after the fetch
  ObjectId previous;       // before it ("" on the first fetch)
  bool moved = false;      // head != previous
  bool rewritten = false;  // previous is not an ancestor of head (a force-push)
};

struct File {
  std::string path;  // from the repository root, '/'-separated
  ObjectId blob;     // a changed blob id is a changed file
  std::uint64_t size = 0;
};

struct Tree {
  std::vector<File> files;              // regular files (and executables) matching, sorted
  std::vector<std::string> submodules;  // matching paths that are submodules: not followed
  std::vector<std::string> symlinks;    // matching paths that are symbolic links: skipped
};

// The commit times of one file on the first-parent line from a commit back, newest first.
struct FileHistory {
  std::string path;
  std::vector<std::int64_t> commit_times_ms;  // commits that added or modified the file
  bool complete = false;  // the walk reached the commit that added it, within the depth
};

class Repository {
 public:
  // Opens the bare clone at `directory`, creating it (and its remote) when missing. A clone
  // whose remote URL differs from `remote.url` is pointed at the new URL. InvalidArgument
  // for a URL libgit2 cannot use; IOError when the directory cannot be made or read.
  static Result<std::unique_ptr<Repository>> Open(const std::string& directory,
                                                  const RemoteOptions& remote);
  ~Repository();
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  // Fetches the branch (one round trip when nothing is new). Unavailable when the remote
  // cannot be reached or times out, PermissionDenied when it refuses the credentials,
  // NotFound when the branch does not exist there (deleted): the local clone is kept as it
  // was in every failure.
  Result<FetchOutcome> Fetch();

  // The files at `commit` whose paths match any of `globs` (watchers' GlobMatch rules:
  // `**` crosses folders; an empty list matches every file).
  Result<Tree> ListFiles(const ObjectId& commit, const std::vector<std::string>& globs) const;

  // A blob's bytes; ResourceExhausted when it is larger than max_bytes (not read).
  Result<std::string> ReadBlob(const ObjectId& blob, std::uint64_t max_bytes) const;

  // Walks the first-parent line back from `commit`, at most `depth` commits, and stops early
  // at `stop_at` when given (a commit already walked): the times of the commits that
  // changed each of `paths` (sorted). Renames count as an add of the new path.
  Result<std::vector<FileHistory>> History(const ObjectId& commit,
                                           const std::vector<std::string>& paths,
                                           std::uint32_t depth, const ObjectId& stop_at = "") const;

  // A link to `path` at `commit` on the web, for the forges whose URL patterns are known
  // (GitHub, GitLab, Gitea/Forgejo, Bitbucket) from an https remote; "" otherwise.
  static std::string WebLink(std::string_view remote_url, const ObjectId& commit,
                             std::string_view path);

 private:
  struct Impl;
  explicit Repository(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshd::git
