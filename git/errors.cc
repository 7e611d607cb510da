#include <mutex>

#include "git/internal.h"

namespace freshd::git {
namespace {

Status WithCode(Status::Code code, std::string message) {
  switch (code) {
    case Status::Code::kNotFound:
      return Status::NotFound(std::move(message));
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(std::move(message));
    case Status::Code::kCorruption:
      return Status::Corruption(std::move(message));
    case Status::Code::kUnavailable:
      return Status::Unavailable(std::move(message));
    case Status::Code::kCancelled:
      return Status::Cancelled(std::move(message));
    case Status::Code::kResourceExhausted:
      return Status::ResourceExhausted(std::move(message));
    case Status::Code::kPermissionDenied:
      return Status::PermissionDenied(std::move(message));
    case Status::Code::kOk:
    case Status::Code::kIOError:
      break;
  }
  return Status::IOError(std::move(message));
}

}  // namespace

void InitLibgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    RegisterTimedStream();
  });
}

std::string StripUserinfo(std::string_view text) {
  std::string out;
  std::size_t position = 0;
  while (true) {
    const std::size_t scheme = text.find("://", position);
    if (scheme == std::string_view::npos) break;
    const std::size_t authority = scheme + 3;
    out.append(text.substr(position, authority - position));
    // The authority ends at the first '/', whitespace or quote; userinfo is before its '@'.
    std::size_t end = authority;
    while (end < text.size() && text[end] != '/' && text[end] != ' ' && text[end] != '\'' &&
           text[end] != '"') {
      ++end;
    }
    const std::size_t at = text.substr(authority, end - authority).rfind('@');
    position = at == std::string_view::npos ? authority : authority + at + 1;
  }
  out.append(text.substr(position));
  return out;
}

std::string LastErrorMessage() {
  const git_error* error = git_error_last();
  if (error == nullptr || error->message == nullptr) return "unknown libgit2 error";
  return StripUserinfo(error->message);
}

Status GitError(Status::Code code, std::string_view context) {
  return WithCode(code, std::string(context) + ": " + LastErrorMessage());
}

Result<git_oid> ParseId(const ObjectId& id) {
  git_oid oid;
  if (id.size() != GIT_OID_HEXSZ || git_oid_fromstr(&oid, id.c_str()) != 0) {
    return Status::InvalidArgument("not an object id: " + id);
  }
  return oid;
}

ObjectId FormatId(const git_oid& oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof(hex), &oid);
  return ObjectId(hex);
}

}  // namespace freshd::git
