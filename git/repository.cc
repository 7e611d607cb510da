#include "git/repository.h"

#include <filesystem>
#include <system_error>

#include "git/internal.h"

namespace freshd::git {
namespace {

constexpr const char* kRemoteName = "origin";

// The URL forms libgit2's transports take: a scheme it knows, scp-like "user@host:path", or
// a local path.
bool UsableUrl(std::string_view url) {
  if (url.empty()) return false;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return true;
  const std::string_view scheme = url.substr(0, scheme_end);
  return scheme == "https" || scheme == "http" || scheme == "git" || scheme == "ssh" ||
         scheme == "file" || scheme == "ssh+git" || scheme == "git+ssh";
}

Result<RepositoryPtr> OpenOrInit(const std::string& directory, const std::string& branch) {
  std::error_code error;
  const bool exists = std::filesystem::exists(std::filesystem::path(directory) / "HEAD", error);
  if (error) return Status::IOError("reading " + directory + ": " + error.message());
  git_repository* raw = nullptr;
  if (exists) {
    if (git_repository_open_bare(&raw, directory.c_str()) != 0) {
      return GitError(Status::Code::kIOError, "opening the clone at " + directory);
    }
    return RepositoryPtr(raw);
  }
  if (git_repository_init(&raw, directory.c_str(), /*is_bare=*/1) != 0) {
    return GitError(Status::Code::kIOError, "creating the clone at " + directory);
  }
  RepositoryPtr repo(raw);
  // HEAD names the mirrored branch, so that `git log` in the clone shows it.
  const std::string head = "refs/heads/" + branch;
  if (git_repository_set_head(repo.get(), head.c_str()) != 0) {
    return GitError(Status::Code::kIOError, "setting HEAD of " + directory);
  }
  return repo;
}

// The remote's URL is written in the clone's config for whoever looks into it; fetches use
// an in-memory remote (Fetch), because libgit2 1.5 leaks a regex match on every lookup or
// creation of a named remote.
Status RecordRemote(git_repository* repo, const RemoteOptions& options) {
  git_config* raw = nullptr;
  if (git_repository_config(&raw, repo) != 0) {
    return GitError(Status::Code::kIOError, "reading the clone's config");
  }
  ConfigPtr config(raw);
  const std::string key = std::string("remote.") + kRemoteName + ".url";
  if (git_config_set_string(config.get(), key.c_str(), options.url.c_str()) != 0) {
    return GitError(Status::Code::kIOError, "writing the remote's URL");
  }
  return Status::OK();
}

}  // namespace

Repository::Repository(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Repository::~Repository() = default;

Result<std::unique_ptr<Repository>> Repository::Open(const std::string& directory,
                                                     const RemoteOptions& remote) {
  InitLibgit2();
  if (!UsableUrl(remote.url)) {
    return Status::InvalidArgument("not a git URL: " + StripUserinfo(remote.url));
  }
  if (remote.branch.empty() ||
      git_reference_is_valid_name(("refs/heads/" + remote.branch).c_str()) == 0) {
    return Status::InvalidArgument("not a branch name: " + remote.branch);
  }
  auto repo = OpenOrInit(directory, remote.branch);
  if (!repo.ok()) return repo.status();
  if (Status status = RecordRemote(repo->get(), remote); !status.ok()) return status;
  auto impl = std::make_unique<Impl>();
  impl->repo = std::move(repo).value();
  impl->remote = remote;
  return std::unique_ptr<Repository>(new Repository(std::move(impl)));
}

}  // namespace freshd::git
