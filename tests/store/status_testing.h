// Test helpers for calls that return a Status or a Result<T> (also used by tests/rag and
// tests/integration): a call that must succeed fails the test with its Status otherwise.
#pragma once

#include <catch2/catch.hpp>
#include <utility>

#include "common/status.h"

namespace freshd::testing {

template <typename T>
T Ok(Result<T> result) {
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return std::move(result).value();
}

inline void Ok(const Status& status) {
  INFO(status.ToString());
  REQUIRE(status.ok());
}

}  // namespace freshd::testing
