// `freshd run` against pages that render the time and a new request id into every answer,
// with no validators and no ignore rule (issue 10, section 3): a difference is confirmed by
// the volatility probes before it is recorded, so the pages show no change after their
// first check, while a real edit is still recorded, once.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/integration/daemon_under_test.h"
#include "tests/support/fault_server.h"

namespace freshd::testing {
namespace {

constexpr int kPages = 4;

bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

// The wall time as HH:MM:SS: a clock that moves once a second, slower than the quick probes.
std::string RenderTime() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M:%S", &parts);
  return text;
}

// The sources' entries of /api/v1/sources, by name.
nlohmann::json Sources(const std::string& base) {
  nlohmann::json by_name = nlohmann::json::object();
  const auto body = nlohmann::json::parse(HttpGet(base + "/api/v1/sources").body);
  for (const auto& source : body["sources"]) by_name[source["source"].get<std::string>()] = source;
  return by_name;
}

bool EachCheckedAtLeast(const nlohmann::json& sources, int checks) {
  if (sources.size() != kPages) return false;
  for (const auto& [name, source] : sources.items()) {
    if (source["checks"].get<int>() < checks) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("pages with a render time and a request id show no change after their first check") {
  FaultServer server;
  std::atomic<unsigned> requests{0};
  std::atomic<bool> edited{false};
  std::string sources;
  for (int i = 0; i < kPages; ++i) {
    const std::string path = "/p" + std::to_string(i);
    server.Route(path, FaultServer::Handler{[&, i](const FaultServer::Request&) {
                   const unsigned id = ++requests * 2654435761u;
                   const bool edit = i == 0 && edited;
                   return FaultServer::Plain()
                       .Header("Content-Type", "text/html")
                       .Body("<html><body><main><p>Refunds within " +
                             std::string(edit ? "14" : "30") + " days.</p><p>Rendered at " +
                             RenderTime() + " UTC</p><p>Request id " + std::to_string(id) +
                             "</p></main></body></html>");
                 }});
    sources += "      - name: p" + std::to_string(i) + "\n        http: { url: \"" +
               server.Url(path) + "\" }\n";
  }
  TempDir dir;
  const int port = FreePort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  WriteFile(dir / "freshd.yaml", Config(dir, port, sources, "1s"));
  // Probes 100 ms apart, the slower round 1.1 s: the seconds move in it as minutes do in 61 s.
  ChildProcess freshd({"env", "FRESHD_TEST_PROBE_DELAYS_MS=100,1100", FreshdBinary(), "run", "-c",
                       dir / "freshd.yaml"},
                      dir.path() / "freshd.log");
  REQUIRE(WaitForReady(port));

  REQUIRE(WaitFor([&] { return EachCheckedAtLeast(Sources(base), 8); }));
  nlohmann::json seen = Sources(base);
  INFO(seen.dump());
  int checks = 0;
  for (const auto& [name, source] : seen.items()) {
    CHECK(source["changes"] == 0);
    CHECK(source["errors"] == 0);
    checks += source["checks"].get<int>();
  }
  CHECK(checks >= kPages * 8);
  // Every page's first sight, then unchanged checks; the probes were requests of their own.
  CHECK(server.RequestCount("/p0") > seen["p0"]["checks"].get<int>());

  // A real edit is recorded once, though the clock and the id move on.
  edited = true;
  REQUIRE(WaitFor([&] { return Sources(base)["p0"]["changes"].get<int>() >= 1; }));
  const int checks_at_edit = Sources(base)["p0"]["checks"].get<int>();
  REQUIRE(WaitFor([&] { return Sources(base)["p0"]["checks"].get<int>() >= checks_at_edit + 4; }));
  seen = Sources(base);
  CHECK(seen["p0"]["changes"] == 1);
  for (int i = 1; i < kPages; ++i) CHECK(seen["p" + std::to_string(i)]["changes"] == 0);
}

}  // namespace freshd::testing
