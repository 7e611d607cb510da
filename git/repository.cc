#include "git/repository.h"

namespace freshd::git {

struct Repository::Impl {};

Repository::Repository(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Repository::~Repository() = default;

Result<std::unique_ptr<Repository>> Repository::Open(const std::string&, const RemoteOptions&) {
  return Status::InvalidArgument("git sources are not implemented yet");
}
Result<FetchOutcome> Repository::Fetch() { return Status::InvalidArgument("not implemented"); }
Result<Tree> Repository::ListFiles(const ObjectId&, const std::vector<std::string>&) const {
  return Status::InvalidArgument("not implemented");
}
Result<std::string> Repository::ReadBlob(const ObjectId&, std::uint64_t) const {
  return Status::InvalidArgument("not implemented");
}
Result<std::vector<FileHistory>> Repository::History(const ObjectId&,
                                                     const std::vector<std::string>&, std::uint32_t,
                                                     const ObjectId&) const {
  return Status::InvalidArgument("not implemented");
}
std::string Repository::WebLink(std::string_view, const ObjectId&, std::string_view) { return ""; }

}  // namespace freshd::git
