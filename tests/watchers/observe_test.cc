#include "watchers/observe.h"

#include <catch2/catch.hpp>

using freshd::store::Observation;
using freshd::watchers::FetchError;
using freshd::watchers::HttpObservation;
using freshd::watchers::HttpResponse;
using freshd::watchers::Normalized;
using freshd::watchers::Normalizer;
using freshd::watchers::SelectorSpec;

namespace {

std::unique_ptr<Normalizer> Plain() {
  auto created = Normalizer::Create(SelectorSpec{}, {});
  REQUIRE(created.ok());
  return std::move(created).value();
}

}  // namespace

TEST_CASE("a 404 or 410 is the document's removal and still a failed fetch") {
  HttpResponse response;
  response.error = FetchError::kHttp4xx;
  response.status = 410;
  Normalized normalized;
  const Observation observation =
      HttpObservation(1000, *Plain(), response, "http://x.test/a", {}, &normalized);
  CHECK(observation.kind == Observation::Kind::kGone);
  CHECK(observation.error_reason == "http_4xx");
  CHECK(observation.time_ms == 1000);
}

TEST_CASE("a 304 is not modified and other failures are errors with their reason") {
  HttpResponse not_modified;
  not_modified.status = 304;
  not_modified.not_modified = true;
  Normalized normalized;
  CHECK(HttpObservation(1, *Plain(), not_modified, "http://x.test/a", {}, &normalized).kind ==
        Observation::Kind::kNotModified);
  HttpResponse timeout;
  timeout.error = FetchError::kTimeout;
  const Observation failed =
      HttpObservation(1, *Plain(), timeout, "http://x.test/a", {}, &normalized);
  CHECK(failed.kind == Observation::Kind::kError);
  CHECK(failed.error_reason == "timeout");
}

TEST_CASE("a page is normalized and hashed and keeps its validators") {
  HttpResponse page;
  page.status = 200;
  page.content_type = "text/html";
  page.body = "<html><body><p>Refunds   within 30 days.</p></body></html>";
  page.etag = "\"v1\"";
  page.last_modified = "Tue, 01 Dec 2026 10:00:00 GMT";
  Normalized normalized;
  const Observation observation =
      HttpObservation(1, *Plain(), page, "http://x.test/a", {}, &normalized);
  CHECK(observation.kind == Observation::Kind::kFetched);
  CHECK(observation.etag == "\"v1\"");
  CHECK(observation.modified_ms > 0);
  CHECK(normalized.text.find("Refunds within 30 days.") != std::string::npos);
  CHECK(observation.content_hash == freshd::watchers::ContentHash(normalized.text));
}

TEST_CASE("a file's URI joins its folder and relative path with one slash") {
  CHECK(freshd::watchers::FileUri("/srv/docs", "a/b.md") == "file:///srv/docs/a/b.md");
  CHECK(freshd::watchers::FileUri("/srv/docs/", "a.md") == "file:///srv/docs/a.md");
}
