#include "daemon/cli_rag.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "daemon/lifecycle_guard.h"
#include "rag/citation.h"
#include "rag/http_call.h"

namespace freshd::daemon {
namespace {

constexpr auto kTimeout = std::chrono::seconds(60);

std::optional<nlohmann::json> Call(std::string_view method, const std::string& url) {
  rag::HttpHeaders headers;
  if (method == "POST") headers.emplace_back(kRequestMarkerHeader, "1");  // see lifecycle_guard.h
  Result<rag::HttpAnswer> called = rag::HttpCall(method, url, "", headers, kTimeout);
  if (!called.ok()) {
    std::cerr << "freshd: cannot reach freshd at " << url << ": " << called.status().message()
              << "\n";
    return std::nullopt;
  }
  const rag::HttpAnswer& answer = *called;
  auto json = nlohmann::json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    std::cerr << "freshd: " << url << " answered " << answer.Describe() << "\n";
    return std::nullopt;
  }
  if (!answer.Ok()) {
    std::cerr << "freshd: " << json.value("error", answer.Describe()) << "\n";
    return std::nullopt;
  }
  return json;
}

// A chunk on one line ("Heading / first sentence..."), cut to `width` bytes at a UTF-8
// character boundary.
std::string Excerpt(const std::string& text, std::size_t width) {
  std::string line;
  for (std::size_t i = 0; i < text.size() && line.size() <= width; ++i) {
    if (text[i] != '\n') {
      line += text[i];
    } else if (!line.empty() && !line.ends_with(" / ")) {
      line += " / ";
    }
  }
  if (line.size() <= width) return line;
  std::size_t cut = width;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return line.substr(0, cut) + "...";
}

// A search result's page (null, or absent from an older daemon: 0) and heading ("").
std::uint32_t PageOf(const nlohmann::json& hit) {
  const auto page = hit.find("page");
  return page != hit.end() && page->is_number_unsigned() ? page->get<std::uint32_t>() : 0;
}
std::string HeadingOf(const nlohmann::json& hit) {
  const auto heading = hit.find("heading");
  return heading != hit.end() && heading->is_string() ? heading->get<std::string>() : "";
}

}  // namespace

int SearchCommand(const std::string& url, const std::string& query, std::size_t k) {
  auto answer = Call(
      "GET", url + "/api/v1/search?q=" + rag::PercentEncode(query) + "&k=" + std::to_string(k));
  if (!answer) return 1;
  const auto& results = (*answer)["results"];
  if (results.empty()) {
    std::cout << "no chunk matches '" << query << "'\n";
    return 0;
  }
  int rank = 0;
  for (const auto& hit : results) {
    // "https://example.com/refund-policy.pdf, page 4": where in the document, when known.
    const std::string cited = rag::WithLocation(hit.value("uri", ""), PageOf(hit), HeadingOf(hit));
    std::printf("%d. %.3f  %s  (%s / %s, fetched %s)\n", ++rank, hit.value("score", 0.0),
                cited.c_str(), hit.value("workload", "").c_str(), hit.value("source", "").c_str(),
                hit.value("fetched_at", "").c_str());
    std::printf("   %s\n", Excerpt(hit.value("text", ""), 100).c_str());
  }
  return 0;
}

int ReconcileCommand(const std::string& url) {
  auto answer = Call("POST", url + "/api/v1/reconcile");
  if (!answer) return 1;
  const auto& plan = *answer;
  std::cout << "the sink holds " << plan.value("held_chunks", 0) << " chunks; freshd's documents "
            << "have " << plan.value("desired_chunks", 0) << "\n"
            << "queued: " << plan.value("upserts_queued", 0) << " upserts of missing chunks, "
            << plan.value("deletes_queued", 0) << " deletes of stale ones\n";
  return 0;
}

}  // namespace freshd::daemon
