// Repository::Fetch: connect, read the advertised branch, download only when it moved.
#include <chrono>
#include <optional>

#include "git/internal.h"

namespace freshd::git {
namespace {

using Clock = std::chrono::steady_clock;

// State shared with libgit2's callbacks for one fetch.
struct FetchContext {
  const RemoteOptions* options = nullptr;
  int credential_calls = 0;
  bool credentials_refused = false;
  bool stalled = false;
  Clock::time_point last_progress = Clock::now();
  std::size_t received_bytes = 0;
};

int GiveCredentials(git_credential** out, const char* /*url*/, const char* /*user_from_url*/,
                    unsigned int allowed_types, void* payload) {
  auto* context = static_cast<FetchContext*>(payload);
  if (context->options->token.empty() || (allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) == 0) {
    return GIT_PASSTHROUGH;
  }
  // libgit2 asks again after the server refused the first answer: once is all we have.
  if (context->credential_calls++ > 0) {
    context->credentials_refused = true;
    return GIT_EUSER;
  }
  return git_credential_userpass_plaintext_new(out, context->options->username.c_str(),
                                               context->options->token.c_str());
}

// Called as pack data arrives: a transfer that trickles without progress for the timeout is
// aborted (a silent stall is bounded by the socket timeouts of stream.cc instead).
int OnTransferProgress(const git_indexer_progress* stats, void* payload) {
  auto* context = static_cast<FetchContext*>(payload);
  const auto now = Clock::now();
  if (stats->received_bytes != context->received_bytes) {
    context->received_bytes = stats->received_bytes;
    context->last_progress = now;
    return 0;
  }
  if (now - context->last_progress > std::chrono::seconds(context->options->timeout_seconds)) {
    context->stalled = true;
    return -1;
  }
  return 0;
}

int OnSideband(const char* /*text*/, int /*length*/, void* payload) {
  static_cast<FetchContext*>(payload)->last_progress = Clock::now();
  return 0;
}

std::string Scrub(std::string message, const std::string& secret) {
  if (secret.empty()) return message;
  for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret, at)) {
    message.replace(at, secret.size(), "***");
  }
  return message;
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

Status FetchError(const FetchContext& context, int code, const std::string& what) {
  const std::string prefix = what + " " + StripUserinfo(context.options->url) + ": ";
  if (context.stalled) {
    return Status::Unavailable(prefix + "no progress for " +
                               std::to_string(context.options->timeout_seconds) + " s");
  }
  if (context.credentials_refused) return Status::PermissionDenied(prefix + "credentials refused");
  const std::string message = Scrub(LastErrorMessage(), context.options->token);
  // The status as libgit2 words it: a bare "403" could be part of a port or a host.
  if (code == GIT_EAUTH || Contains(message, "http status code: 401") ||
      Contains(message, "http status code: 403") || Contains(message, "authentication")) {
    return Status::PermissionDenied(prefix + message);
  }
  return Status::Unavailable(prefix + message);
}

std::optional<git_oid> LocalHead(git_repository* repo, const std::string& ref) {
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo, ref.c_str()) != 0) return std::nullopt;
  return oid;
}

std::optional<git_oid> AdvertisedHead(git_remote* remote, const std::string& ref) {
  const git_remote_head** heads = nullptr;
  std::size_t count = 0;
  if (git_remote_ls(&heads, &count, remote) != 0) return std::nullopt;
  for (std::size_t i = 0; i < count; ++i) {
    if (ref == heads[i]->name) return heads[i]->oid;
  }
  return std::nullopt;
}

// Closes the connection however the fetch ends.
struct Disconnect {
  void operator()(git_remote* remote) const { git_remote_disconnect(remote); }
};

// Downloads the branch's objects and moves the local branch to the remote's (forced: a
// rewritten history replaces the old one).
Status Download(git_remote* remote, const git_remote_callbacks& callbacks, const std::string& ref,
                const FetchContext& context) {
  git_fetch_options fetch = GIT_FETCH_OPTIONS_INIT;
  fetch.callbacks = callbacks;
  fetch.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  std::string refspec = "+" + ref + ":" + ref;
  char* refspecs[] = {refspec.data()};
  const git_strarray specs = {refspecs, 1};
  if (int code = git_remote_download(remote, &specs, &fetch); code != 0) {
    return FetchError(context, code, "fetching from");
  }
  if (git_remote_update_tips(remote, &callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE,
                             "freshd: fetch") != 0) {
    return GitError(Status::Code::kIOError, "updating " + ref);
  }
  return Status::OK();
}

}  // namespace

Result<FetchOutcome> Repository::Fetch() {
  git_repository* repo = impl_->repo.get();
  const RemoteOptions& options = impl_->remote;
  const std::string ref = "refs/heads/" + options.branch;
  const std::optional<git_oid> previous = LocalHead(repo, ref);

  // In memory, without the config's url.*.insteadOf rules (see RecordRemote).
  git_remote_create_options create = GIT_REMOTE_CREATE_OPTIONS_INIT;
  create.repository = repo;
  create.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  git_remote* raw = nullptr;
  if (git_remote_create_with_opts(&raw, options.url.c_str(), &create) != 0) {
    return GitError(Status::Code::kInvalidArgument, "using the remote");
  }
  RemotePtr remote(raw);
  FetchContext context;
  context.options = &options;
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  callbacks.credentials = GiveCredentials;
  callbacks.transfer_progress = OnTransferProgress;
  callbacks.sideband_progress = OnSideband;
  callbacks.payload = &context;
  const StreamTimeout timeout(options.timeout_seconds);

  if (int code =
          git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr);
      code != 0) {
    return FetchError(context, code, "connecting to");
  }
  std::unique_ptr<git_remote, Disconnect> connection(remote.get());
  const std::optional<git_oid> advertised = AdvertisedHead(remote.get(), ref);
  if (!advertised) {
    return Status::NotFound("branch " + options.branch + " not found at " +
                            StripUserinfo(options.url));
  }
  FetchOutcome outcome;
  outcome.head = FormatId(*advertised);
  outcome.previous = previous ? FormatId(*previous) : "";
  outcome.moved = !previous || !git_oid_equal(&*previous, &*advertised);
  if (!outcome.moved) return outcome;

  if (Status status = Download(remote.get(), callbacks, ref, context); !status.ok()) {
    return status;
  }
  const std::optional<git_oid> head = LocalHead(repo, ref);
  if (!head || !git_oid_equal(&*head, &*advertised)) {
    return Status::IOError(ref + " was not updated to " + outcome.head);
  }
  outcome.rewritten = previous && git_graph_descendant_of(repo, &*head, &*previous) != 1;
  return outcome;
}

}  // namespace freshd::git
