// Shared by the git tests: opening a clone that must open.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "git/repository.h"

namespace freshd::testing {

// RemoteOptions for `url` (designated initializers would leave `token` unnamed, which
// -Wmissing-field-initializers rejects).
inline git::RemoteOptions Remote(std::string url, std::string branch = "main",
                                 std::string token = "", std::uint32_t timeout_seconds = 60) {
  git::RemoteOptions options;
  options.url = std::move(url);
  options.branch = std::move(branch);
  options.token = std::move(token);
  options.timeout_seconds = timeout_seconds;
  return options;
}

inline std::unique_ptr<git::Repository> MustOpen(const std::string& directory,
                                                 const git::RemoteOptions& options) {
  auto opened = git::Repository::Open(directory, options);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

inline git::FetchOutcome MustFetch(git::Repository& repository) {
  auto fetched = repository.Fetch();
  INFO(fetched.status().ToString());
  REQUIRE(fetched.ok());
  return std::move(fetched).value();
}

}  // namespace freshd::testing
