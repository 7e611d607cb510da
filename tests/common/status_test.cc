#include "common/status.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

namespace freshd {
namespace {

TEST_CASE("an OK status is the default and says OK") {
  Status status;
  CHECK(status.ok());
  CHECK(status.code() == Status::Code::kOk);
  CHECK(status.message().empty());
  CHECK(status.ToString() == "OK");
  CHECK(status == Status::OK());
}

TEST_CASE("each failure code is told apart from the others") {
  CHECK(Status::NotFound("x").IsNotFound());
  CHECK_FALSE(Status::NotFound("x").IsIOError());
  CHECK(Status::IOError("x").IsIOError());
  CHECK_FALSE(Status::IOError("x").IsNotFound());
  CHECK(Status::Corruption("x").IsCorruption());
  CHECK(Status::InvalidArgument("x").IsInvalidArgument());
  CHECK(Status::Unavailable("x").IsUnavailable());
  CHECK(Status::Cancelled("x").IsCancelled());
  CHECK(Status::ResourceExhausted("x").IsResourceExhausted());
  CHECK_FALSE(Status::NotFound("x").ok());
}

TEST_CASE("a failure's text names its code and message, and context goes before it") {
  Status status = Status::IOError("disk full");
  CHECK(status.ToString() == "IO error: disk full");
  Status wrapped = status.WithContext("writing the outbox");
  CHECK(wrapped.IsIOError());
  CHECK(wrapped.message() == "writing the outbox: disk full");
  CHECK(Status::OK().WithContext("anything").ok());
}

TEST_CASE("a result holds a value or the status saying why there is none") {
  Result<std::string> value(std::string("chunk"));
  REQUIRE(value.ok());
  CHECK(value.status().ok());
  CHECK(*value == "chunk");
  CHECK(value->size() == 5);

  Result<std::string> missing(Status::NotFound("no such document"));
  CHECK_FALSE(missing.ok());
  CHECK(missing.status().IsNotFound());
  CHECK(missing.value_or("fallback") == "fallback");
}

TEST_CASE("a result built from an OK status is not mistaken for a value") {
  Result<int> result(Status::OK());
  CHECK_FALSE(result.ok());
  CHECK(result.status().IsInvalidArgument());
}

TEST_CASE("a result can carry a value that only moves") {
  Result<std::unique_ptr<int>> result(std::make_unique<int>(7));
  REQUIRE(result.ok());
  std::unique_ptr<int> taken = std::move(result).value();
  CHECK(*taken == 7);
}

}  // namespace
}  // namespace freshd
