// The two gauges the failure alerts fire on (metrics/alerts.yml): consecutive failed runs of
// a source, and whether the RAG sink's deliveries fail.
#include <catch2/catch.hpp>
#include <string>

#include "metrics/metrics.h"

using freshd::metrics::Metrics;

namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("consecutive failures count failed runs and go back to 0 after a success") {
  Metrics metrics("test");
  const freshd::metrics::SourceLabels labels{"w", "s"};
  const std::string series = "freshd_source_consecutive_failures{source=\"s\",workload=\"w\"}";
  metrics.AddSource(labels);
  CHECK(Has(metrics.Render(), series + " 0"));
  metrics.CountRun(labels, true);
  metrics.CountRun(labels, true);
  metrics.CountRun(labels, true);
  CHECK(Has(metrics.Render(), series + " 3"));
  metrics.CountRun(labels, false);
  CHECK(Has(metrics.Render(), series + " 0"));
  metrics.RemoveSource(labels);
  CHECK(metrics.Render().find(series) == std::string::npos);
}

TEST_CASE("the sink failing gauge starts at 0 and follows the delivery state") {
  Metrics metrics("test");
  metrics.AddSink("chroma");
  const std::string series = "freshd_index_sink_failing{sink=\"chroma\"}";
  CHECK(Has(metrics.Render(), series + " 0"));
  metrics.SetSinkFailing("chroma", true);
  CHECK(Has(metrics.Render(), series + " 1"));
  metrics.SetSinkFailing("chroma", false);
  CHECK(Has(metrics.Render(), series + " 0"));
}
