#include "common/backoff.h"

#include <catch2/catch.hpp>

using freshd::ExponentialBackoff;
using namespace std::chrono_literals;

TEST_CASE("backoff doubles once per doubling from its base") {
  CHECK(ExponentialBackoff(1s, 0, 1h) == 1s);
  CHECK(ExponentialBackoff(1s, 1, 1h) == 2s);
  CHECK(ExponentialBackoff(1s, 5, 1h) == 32s);
}

TEST_CASE("backoff stops at its cap and never overflows") {
  CHECK(ExponentialBackoff(1s, 12, 1h) == 1h);
  CHECK(ExponentialBackoff(1s, 4000000000u, 1h) == 1h);
}

TEST_CASE("backoff never goes below its base even when the cap is smaller") {
  CHECK(ExponentialBackoff(2h, 3, 1h) == 2h);
}
