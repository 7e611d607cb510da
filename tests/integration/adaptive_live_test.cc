// Adaptive polling against a live server (DESIGN.md 6.3): two daemons at the same request
// budget watch the same 20 pages, whose texts change as Poisson processes with known rates
// (and give no lastmod). One polls at the fixed interval that spends the budget evenly, the
// other adaptively. The server tells the two apart by their User-Agent, keeps their fetch
// times, and computes each one's time-averaged freshness from them: the share of
// page-time when the daemon's copy was the page's current version.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "tests/integration/daemon_under_test.h"
#include "tests/support/fault_server.h"

using freshd::testing::DaemonUnderTest;
using freshd::testing::FaultServer;
using freshd::testing::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPages = 30;
constexpr auto kHorizon = std::chrono::seconds(150);
// Measured after this much learning.
constexpr auto kWarmUp = std::chrono::seconds(60);

// Mean seconds between changes: a few pages every 20 s, most never, as on a real site. (Much
// faster, and the volatility probe, which fetches a changed page again 3 s later, would
// take the edits for a clock.)
double MeanInterval(int page) { return page % 10 == 0 ? 20 : 0; }

class PoissonSite {
 public:
  explicit PoissonSite(Clock::time_point start) : start_(start) {
    std::mt19937_64 random(20261203);
    for (int page = 0; page < kPages; ++page) {
      const double mean = MeanInterval(page);
      if (mean <= 0) continue;
      std::exponential_distribution<double> gap(1 / mean);
      for (double t = gap(random); t < 3 * kHorizon.count(); t += gap(random)) {
        changes_[page].push_back(t);
      }
    }
  }

  int Version(int page, double seconds) const {
    auto found = changes_.find(page);
    if (found == changes_.end()) return 0;
    return static_cast<int>(std::upper_bound(found->second.begin(), found->second.end(), seconds) -
                            found->second.begin());
  }
  double Now() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  void Fetched(const std::string& agent, int page, double seconds) {
    std::lock_guard lock(mutex_);
    fetches_[agent][page].push_back(seconds);
  }

  // Share of page-time in [from, to) when `agent`'s copy was current, sampled every 50 ms.
  double Freshness(const std::string& agent, double from, double to) const {
    std::lock_guard lock(mutex_);
    auto found = fetches_.find(agent);
    if (found == fetches_.end()) return 0;
    std::uint64_t fresh = 0, samples = 0;
    for (int page = 0; page < kPages; ++page) {
      auto times = found->second.find(page);
      for (double t = from; t < to; t += 0.05, ++samples) {
        if (times == found->second.end()) continue;
        auto after = std::upper_bound(times->second.begin(), times->second.end(), t);
        if (after == times->second.begin()) continue;
        fresh += Version(page, *(after - 1)) == Version(page, t);
      }
    }
    return samples == 0 ? 0 : static_cast<double>(fresh) / static_cast<double>(samples);
  }

  // The most fetches of `agent` in any window of `window` seconds.
  std::size_t BusiestWindow(const std::string& agent, double window) const {
    std::lock_guard lock(mutex_);
    std::vector<double> all;
    auto found = fetches_.find(agent);
    if (found == fetches_.end()) return 0;
    for (const auto& [page, times] : found->second)
      all.insert(all.end(), times.begin(), times.end());
    std::sort(all.begin(), all.end());
    std::size_t busiest = 0;
    for (std::size_t i = 0, j = 0; j < all.size(); ++j) {
      while (all[j] - all[i] >= window) ++i;
      busiest = std::max(busiest, j - i + 1);
    }
    return busiest;
  }

  std::size_t Fetches(const std::string& agent) const {
    std::lock_guard lock(mutex_);
    std::size_t total = 0;
    auto found = fetches_.find(agent);
    if (found == fetches_.end()) return 0;
    for (const auto& [page, times] : found->second) total += times.size();
    return total;
  }

 private:
  Clock::time_point start_;
  std::map<int, std::vector<double>> changes_;
  mutable std::mutex mutex_;
  std::map<std::string, std::map<int, std::vector<double>>> fetches_;
};

std::string Sitemap(const FaultServer& server) {
  std::string xml =
      R"(<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)";
  for (int page = 0; page < kPages; ++page) {
    xml += "<url><loc>" + server.Url("/p" + std::to_string(page)) + "</loc></url>";
  }
  return xml + "</urlset>";
}

std::string Source(const FaultServer& server, const std::string& agent,
                   const std::string& schedule) {
  return "      - name: pages\n        sitemap: { url: \"" + server.Url("/sitemap.xml") +
         "\" }\n        user_agent: " + agent + "\n" + schedule;
}

}  // namespace

TEST_CASE("at the same budget adaptive polling keeps pages fresher than a fixed interval") {
  PoissonSite site(Clock::now());
  FaultServer server;
  server.Route(
      "/sitemap.xml",
      FaultServer::Plain().Header("Content-Type", "application/xml").Body(Sitemap(server)));
  for (int page = 0; page < kPages; ++page) {
    server.Route("/p" + std::to_string(page),
                 FaultServer::Handler{[&site, page](const FaultServer::Request& request) {
                   const double now = site.Now();
                   site.Fetched(request.Header("user-agent"), page, now);
                   const int version = site.Version(page, now);
                   // Each edit adds a paragraph, as a real edit does; none flips back.
                   std::string body =
                       "<html><body><main><h1>Page " + std::to_string(page) + "</h1>";
                   for (int edit = 1; edit <= version; ++edit) {
                     body += "<p>Paragraph " + std::to_string(edit) + " of page " +
                             std::to_string(page) + ".</p>";
                   }
                   return FaultServer::Plain()
                       .Header("Content-Type", "text/html")
                       .ETag("\"v" + std::to_string(version) + "\"")
                       .Body(body + "</main></body></html>");
                 }});
  }
  // The budget: 60 requests a minute for 30 pages, so the fixed daemon checks each every 30 s
  // (its runs wait for the confirmation of their changes, and its probes come on top).
  const std::string extra = "advisor: { assess_every: 5s }\n";
  TempDir fixed_dir, adaptive_dir;
  DaemonUnderTest fixed(fixed_dir, "30s", extra,
                        Source(server, "fixed", "        interval: 30s\n"));
  DaemonUnderTest adaptive(adaptive_dir, "10s", extra,
                           Source(server, "adaptive",
                                  "        interval: adaptive\n        budget: 60/m\n"
                                  "        min_interval: 1s\n        max_interval: 2m\n"
                                  "        listing_interval: 30s\n"));
  REQUIRE(fixed.Ready());
  REQUIRE(adaptive.Ready());
  std::this_thread::sleep_until(Clock::now() + kHorizon);

  const double from = std::chrono::duration<double>(kWarmUp).count();
  const double to = site.Now();
  const double fixed_freshness = site.Freshness("fixed", from, to);
  const double adaptive_freshness = site.Freshness("adaptive", from, to);
  WARN("freshness over the last " << (to - from) << " s: fixed " << fixed_freshness << " ("
                                  << site.Fetches("fixed") << " requests), adaptive "
                                  << adaptive_freshness << " (" << site.Fetches("adaptive")
                                  << " requests)");
  CHECK(adaptive_freshness > fixed_freshness);
  // The budget is a hard cap: never more than 60 page requests in a minute.
  // freshd counts a request when it sends it; the server sees it a moment later, by a
  // varying few milliseconds, so its windows are measured a little short of the minute.
  CHECK(site.BusiestWindow("adaptive", 59.9) <= 60);
}
