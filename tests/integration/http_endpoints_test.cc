// The daemon's HTTP side as a client meets it: requests it must refuse, and the statuses
// it answers them with.
#include <catch2/catch.hpp>
#include <string>

#include "tests/integration/daemon_under_test.h"
#include "tests/integration/http_get.h"
#include "tests/support/temp_dir.h"

using freshd::testing::DaemonUnderTest;
using freshd::testing::HttpGet;
using freshd::testing::TempDir;
using freshd::testing::WriteFile;

TEST_CASE("search k and a page limit must be whole numbers from 1 and k is capped at 100") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  DaemonUnderTest freshd(dir, "1h");
  REQUIRE(freshd.Ready());
  for (const char* k : {"abc", "0", "-1", "", "1e3"}) {
    INFO("k=" << k);
    const auto reply = HttpGet(freshd.base + "/api/v1/search?q=a&k=" + k);
    CHECK(reply.status == 400);
    CHECK(reply.body.find("'k' must be a whole number of at least 1") != std::string::npos);
  }
  CHECK(HttpGet(freshd.base + "/api/v1/search?q=a&k=1000").status == 200);
  CHECK(HttpGet(freshd.base + "/api/v1/search?q=a").status == 200);
  const auto limit = HttpGet(freshd.base + "/api/v1/sources?source=handbook&limit=-1");
  CHECK(limit.status == 400);
  CHECK(limit.body.find("'limit' must be a whole number of at least 1") != std::string::npos);
  CHECK(HttpGet(freshd.base + "/api/v1/sources?source=handbook&limit=2").status == 200);
}
