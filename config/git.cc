// `git:` sources: where the repository is, which branch and files, and its credentials.
#include <string>
#include <string_view>

#include "config/sections.h"

namespace freshd::config::internal {
namespace {

constexpr std::int64_t kMaxHistoryDepth = 10'000'000;

// The remotes libgit2 fetches from: a URL of these schemes, or a local path.
bool IsGitRemote(std::string_view url) {
  for (std::string_view scheme : {"https://", "http://", "git://", "ssh://", "file://"}) {
    if (url.starts_with(scheme)) return url.size() > scheme.size();
  }
  return url.starts_with('/');
}

// "https://user:secret@host/x.git": a password in the file, which must stay out of it.
bool HasPassword(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  const std::string_view rest = url.substr(scheme + 3);
  const std::string_view authority = rest.substr(0, rest.find('/'));
  const std::size_t at = authority.rfind('@');
  return at != std::string_view::npos &&
         authority.substr(0, at).find(':') != std::string_view::npos;
}

void ReadRemote(Reader& reader, const Map& map, const std::string& context, GitSettings* git) {
  const std::optional<Value> value = reader.Require(map, "url", context);
  std::optional<std::string> url = reader.ReadNonEmptyString(value);
  if (!url) return;
  if (!IsGitRemote(*url)) {
    reader.Error(value->where, value->label +
                                   " must be an https://, http://, git://, ssh:// or file:// URL "
                                   "or an absolute path, not " +
                                   Quote(*url));
  } else if (HasPassword(*url)) {
    reader.Error(value->where, value->label +
                                   " holds a password: put the token in 'token_file' (or "
                                   "'token_env') instead");
  } else {
    git->url = std::move(*url);
  }
}

void ReadPaths(Reader& reader, const std::optional<Value>& value, GitSettings* git) {
  const std::optional<std::vector<Value>> items = reader.ReadList(value);
  if (!items) return;
  for (const Value& item : *items) {
    std::optional<std::string> glob = reader.ReadNonEmptyString(item);
    if (!glob) continue;
    if (glob->front() == '/') {
      reader.Error(item.where, "'paths' are relative to the repository root, not " + Quote(*glob));
      continue;
    }
    git->paths.push_back(std::move(*glob));
  }
}

}  // namespace

void ReadGitKind(Reader& reader, const Map& map, const std::string& context, Source* source) {
  reader.CheckKeys(
      map, {"url", "branch", "paths", "username", "token_file", "token_env", "history_depth"},
      context);
  GitSettings& git = source->git;
  ReadRemote(reader, map, context, &git);
  Assign(reader.ReadNonEmptyString(map.Get("branch")), &git.branch);
  ReadPaths(reader, map.Get("paths"), &git);
  Assign(reader.ReadNonEmptyString(map.Get("username")), &git.username);
  ReadSecret(reader, map, {context, "token", true, false}, &git.token);
  if (std::optional<std::int64_t> depth =
          reader.ReadInt(map.Get("history_depth"), 1, kMaxHistoryDepth)) {
    git.history_depth = static_cast<std::uint32_t>(*depth);
  }
}

}  // namespace freshd::config::internal
