#include "watchers/listing_guard.h"

#include <catch2/catch.hpp>

using freshd::watchers::DescribeListingDrop;
using freshd::watchers::ListingDropAllowed;

TEST_CASE("a listing may lose up to max_listing_drop of its documents at once") {
  CHECK(ListingDropAllowed(0, 100, 0.5));
  CHECK(ListingDropAllowed(50, 100, 0.5));
  CHECK_FALSE(ListingDropAllowed(51, 100, 0.5));
  CHECK_FALSE(ListingDropAllowed(100, 100, 0.5));  // an empty listing
  CHECK_FALSE(ListingDropAllowed(3, 4, 0.5));
  CHECK(ListingDropAllowed(100, 100, 1.0));  // the guard turned off
  CHECK_FALSE(ListingDropAllowed(1, 100, 0.0));
}

TEST_CASE("a listing of fewer than four documents may lose any of them") {
  CHECK(ListingDropAllowed(3, 3, 0.5));
  CHECK(ListingDropAllowed(1, 1, 0.0));
}

TEST_CASE("a refused drop says how many documents of how many and the limit") {
  const std::string message = DescribeListingDrop(3, 4, 0.5);
  CHECK(message.find("lost 3 of its 4 documents") != std::string::npos);
  CHECK(message.find("max_listing_drop 50%") != std::string::npos);
}
