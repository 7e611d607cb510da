// Repository::WebLink: the forges' URL patterns for a file at a commit.
#include <algorithm>
#include <cctype>

#include "git/internal.h"

namespace freshd::git {
namespace {

bool HasWord(std::string_view host, std::string_view word) {
  return host.find(word) != std::string_view::npos;
}

// The path segment before the forge's part: "/-/blob/" for GitLab, and so on; "" when the
// host is not a known forge.
std::string_view ForgeInfix(std::string_view host) {
  if (host == "github.com" || host == "www.github.com") return "/blob/";
  if (host == "gitlab.com" || HasWord(host, "gitlab")) return "/-/blob/";
  if (host == "codeberg.org" || HasWord(host, "gitea") || HasWord(host, "forgejo")) {
    return "/src/commit/";
  }
  if (host == "bitbucket.org") return "/src/";
  return "";
}

}  // namespace

std::string Repository::WebLink(std::string_view remote_url, const ObjectId& commit,
                                std::string_view path) {
  constexpr std::string_view kScheme = "https://";
  if (remote_url.substr(0, kScheme.size()) != kScheme || commit.empty()) return "";
  std::string_view rest = remote_url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return "";
  std::string_view authority = rest.substr(0, slash);
  std::string_view project = rest.substr(slash);  // "/owner/name(.git)(/)"
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string host(authority.substr(0, authority.find(':')));
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string_view infix = ForgeInfix(host);
  if (infix.empty()) return "";
  while (!project.empty() && project.back() == '/') project.remove_suffix(1);
  if (project.size() >= 4 && project.substr(project.size() - 4) == ".git") {
    project.remove_suffix(4);
  }
  if (project.size() <= 1) return "";
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return std::string(kScheme) + std::string(authority) + std::string(project) + std::string(infix) +
         commit + "/" + std::string(path);
}

}  // namespace freshd::git
