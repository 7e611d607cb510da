// Documents in binary formats through the real engine: a PDF served as text/html, Office
// and OpenDocument files in a folder, binary data that is watched but not indexed, and
// damaged, encrypted or zip-bomb files that fail only themselves.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "tests/formats/document_fixtures.h"
#include "tests/integration/engine_harness.h"
#include "tests/integration/log_capture.h"
#include "tests/rag/rag_test_util.h"
#include "tests/support/fault_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using freshd::rag::IndexOperation;
using freshd::testing::EngineHarness;
using freshd::testing::FaultServer;
using freshd::testing::MetricValue;
using freshd::testing::TempDir;
using freshd::testing::WriteFile;

using freshd::testing::LogCapture;

namespace {

std::string Workload(const std::string& name, const std::string& kind_yaml,
                     const std::string& extra = "") {
  return "  - name: w\n    strategy: rag\n    sources:\n      - name: " + name + "\n        " +
         kind_yaml + "\n" + extra;
}

// Changes are recorded after their volatility probes: milliseconds here.
freshd::daemon::EngineOptions QuickProbes() {
  freshd::daemon::EngineOptions options;
  options.probe_delay = std::chrono::milliseconds(20);
  options.slow_probe_delay = std::chrono::milliseconds(100);
  return options;
}

double Metric(const EngineHarness& harness, const std::string& name,
              const std::vector<std::string>& labels) {
  return MetricValue(harness.MetricsText(), name, labels);
}

std::vector<IndexOperation> Upserts(const EngineHarness& harness) {
  std::vector<IndexOperation> upserts;
  for (auto& operation :
       freshd::rag::testing::Queued(const_cast<EngineHarness&>(harness).store())) {
    if (operation.kind == IndexOperation::Kind::kUpsert) upserts.push_back(std::move(operation));
  }
  return upserts;
}

const std::vector<freshd::testing::PdfPage> kPolicy = {
    {"Refund policy", "Refunds are accepted within 30 days of purchase."},
    {"Shipping", "Orders ship within five business days."},
    {"Contact", "Write to support for anything else."}};

}  // namespace

TEST_CASE("a PDF served as text/html is read as a PDF and each chunk carries its page") {
  FaultServer server;
  server.Route("/refund-policy.pdf", FaultServer::Plain()
                                         .Header("Content-Type", "text/html")
                                         .Body(freshd::testing::MakePdf(kPolicy)));
  EngineHarness harness(
      Workload("policy", "http: { url: \"" + server.Url("/refund-policy.pdf") + "\" }"), "",
      QuickProbes(), true);
  auto run = harness.Check("policy");
  CHECK_FALSE(run.failed);
  CHECK(run.changed == 1);
  std::set<std::uint32_t> pages;
  bool refund_on_page_one = false;
  for (const IndexOperation& upsert : Upserts(harness)) {
    pages.insert(upsert.page);
    if (upsert.text.find("within 30 days") != std::string::npos) {
      refund_on_page_one = upsert.page == 1;
    }
    CHECK(upsert.text.find('\x1e') == std::string::npos);  // no marker in a chunk
  }
  CHECK(pages == std::set<std::uint32_t>{1, 2, 3});
  CHECK(refund_on_page_one);
  CHECK(Metric(harness, "freshd_source_documents", {"source=\"policy\"", "state=\"supported\""}) ==
        1);
}

TEST_CASE("a PDF exported again with another producer, date and object order is unchanged") {
  FaultServer server;
  server.Route("/p.pdf", FaultServer::Plain()
                             .Header("Content-Type", "application/pdf")
                             .Body(freshd::testing::MakePdf(kPolicy)));
  EngineHarness harness(Workload("policy", "http: { url: \"" + server.Url("/p.pdf") + "\" }"), "",
                        QuickProbes(), true);
  REQUIRE(harness.Check("policy").changed == 1);
  const std::size_t queued = Upserts(harness).size();
  freshd::testing::PdfOptions again;
  again.producer = "another exporter 9.1";
  again.creation_date = "D:20261203101500Z";
  again.reversed_objects = true;
  server.Route("/p.pdf", FaultServer::Plain()
                             .Header("Content-Type", "application/pdf")
                             .Body(freshd::testing::MakePdf(kPolicy, again)));
  CHECK(harness.Check("policy").changed == 0);
  CHECK(Metric(harness, "freshd_source_checks_total",
               {"source=\"policy\"", "result=\"unchanged\""}) == 1);
  CHECK(Upserts(harness).size() == queued);  // nothing re-embedded

  // One edited paragraph: a change, and new chunks on its page only.
  auto edited = kPolicy;
  edited[1][1] = "Orders ship within two business days.";
  server.Route("/p.pdf", FaultServer::Plain()
                             .Header("Content-Type", "application/pdf")
                             .Body(freshd::testing::MakePdf(edited)));
  CHECK(harness.Check("policy").changed == 1);
  const auto upserts = Upserts(harness);
  REQUIRE(upserts.size() > queued);
  for (std::size_t i = queued; i < upserts.size(); ++i) CHECK(upserts[i].page == 2);
}

TEST_CASE("binary data of no known format is watched but not indexed and its source carries on") {
  FaultServer server;
  server.Route("/logo", FaultServer::Plain()
                            .Header("Content-Type", "text/plain")
                            .Body(freshd::testing::BinaryBody(4096)));
  LogCapture log;
  EngineHarness harness(Workload("logo", "http: { url: \"" + server.Url("/logo") + "\" }"), "",
                        QuickProbes(), true);
  for (int round = 0; round < 2; ++round) CHECK_FALSE(harness.Check("logo").failed);
  CHECK(Metric(harness, "freshd_source_documents", {"source=\"logo\"", "state=\"unsupported\""}) ==
        1);
  CHECK(Metric(harness, "freshd_source_documents", {"source=\"logo\"", "state=\"supported\""}) ==
        0);
  CHECK(Metric(harness, "freshd_source_checks_total", {"source=\"logo\"", "result=\"error\""}) ==
        0);
  CHECK(Upserts(harness).empty());
  CHECK(log.Count("is binary data of no format freshd reads") == 1);
  CHECK(harness.State("logo").documents_unsupported == 1);
}

TEST_CASE("a folder of Office and OpenDocument files: broken ones fail alone") {
  using freshd::testing::Heading;
  using freshd::testing::Paragraph;
  TempDir root;
  WriteFile(root.path() / "handbook.docx",
            freshd::testing::MakeDocx({Heading(1, "Refunds"), Heading(2, "Window"),
                                       Paragraph("Refunds are accepted within 30 days.")}));
  WriteFile(root.path() / "rules.odt",
            freshd::testing::MakeOdt({Heading(1, "Rules"), Paragraph("Be kind to customers.")}));
  WriteFile(root.path() / "deck.pptx", freshd::testing::MakePptx({{"Welcome"}, {"Agenda"}}));
  WriteFile(root.path() / "secret.pdf", freshd::testing::MakeEncryptedPdf(kPolicy));
  WriteFile(root.path() / "bomb.docx", freshd::testing::MakeZipBomb(64ull << 20));
  WriteFile(root.path() / "photo.bin", freshd::testing::BinaryBody(2048));
  EngineHarness harness(
      Workload("docs", "directory: { path: \"" + root.path().string() + "\", glob: \"*\" }"),
      "defaults: { max_bytes: 1MiB }\n", QuickProbes(), true);
  auto run = harness.Check("docs");
  CHECK_FALSE(run.failed);
  CHECK(run.errors == 2);
  CHECK(Metric(harness, "freshd_source_errors_total", {"source=\"docs\"", "reason=\"parse\""}) ==
        1);
  CHECK(Metric(harness, "freshd_source_errors_total",
               {"source=\"docs\"", "reason=\"too_large\""}) == 1);
  CHECK(Metric(harness, "freshd_source_documents", {"source=\"docs\"", "state=\"supported\""}) ==
        3);
  CHECK(Metric(harness, "freshd_source_documents", {"source=\"docs\"", "state=\"unsupported\""}) ==
        1);
  bool heading_path = false;
  bool slide_two = false;
  for (const IndexOperation& upsert : Upserts(harness)) {
    if (upsert.text.find("within 30 days") != std::string::npos) {
      heading_path = upsert.heading == "Refunds > Window";
    }
    if (upsert.text.find("Agenda") != std::string::npos) slide_two = upsert.page == 2;
  }
  CHECK(heading_path);
  CHECK(slide_two);
}

TEST_CASE("select pages keeps only those pages of a PDF") {
  TempDir root;
  WriteFile(root.path() / "policy.pdf", freshd::testing::MakePdf(kPolicy));
  EngineHarness harness(
      Workload("docs", "directory: { path: \"" + root.path().string() + "\", glob: \"*.pdf\" }",
               "        select: { pages: \"2-3\" }\n"),
      "", QuickProbes(), true);
  REQUIRE(harness.Check("docs").changed == 1);
  std::set<std::uint32_t> pages;
  for (const IndexOperation& upsert : Upserts(harness)) pages.insert(upsert.page);
  CHECK(pages == std::set<std::uint32_t>{2, 3});
}

TEST_CASE("nginx serves a PDF and a DOCX in a sitemap: indexed with their places, then 304s") {
  TempDir site;
  WriteFile(site.path() / "refund-policy.pdf", freshd::testing::MakePdf(kPolicy));
  WriteFile(site.path() / "handbook.docx",
            freshd::testing::MakeDocx({freshd::testing::Heading(1, "Leave"),
                                       freshd::testing::Paragraph("Ask two weeks ahead.")}));
  freshd::testing::Nginx nginx(site.path(), site.path() / "nginx-work");
  WriteFile(site.path() / "sitemap.xml",
            R"(<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)"
            "<url><loc>" +
                nginx.Url("/refund-policy.pdf") + "</loc></url><url><loc>" +
                nginx.Url("/handbook.docx") + "</loc></url></urlset>");
  EngineHarness harness(Workload("site", "sitemap: { url: \"" + nginx.Url("/sitemap.xml") + "\" }"),
                        "", QuickProbes(), true);
  REQUIRE(harness.Check("site").changed == 2);
  CHECK(Metric(harness, "freshd_source_documents", {"source=\"site\"", "state=\"supported\""}) ==
        2);
  bool cited_page = false;
  bool cited_heading = false;
  for (const IndexOperation& upsert : Upserts(harness)) {
    if (upsert.text.find("within 30 days") != std::string::npos) cited_page = upsert.page == 1;
    if (upsert.text.find("two weeks") != std::string::npos) {
      cited_heading = upsert.heading == "Leave";
    }
  }
  CHECK(cited_page);
  CHECK(cited_heading);
  CHECK(harness.Check("site").changed == 0);
  CHECK(Metric(harness, "freshd_source_checks_total",
               {"source=\"site\"", "result=\"not_modified\""}) == 2);
}

TEST_CASE("a PDF past max_pages is read in part and the log says so") {
  TempDir root;
  WriteFile(root.path() / "policy.pdf", freshd::testing::MakePdf(kPolicy));
  LogCapture log;
  EngineHarness harness(
      Workload("docs", "directory: { path: \"" + root.path().string() + "\", glob: \"*.pdf\" }",
               "        max_pages: 2\n"),
      "", QuickProbes(), true);
  REQUIRE(harness.Check("docs").changed == 1);
  std::set<std::uint32_t> pages;
  for (const IndexOperation& upsert : Upserts(harness)) pages.insert(upsert.page);
  CHECK(pages == std::set<std::uint32_t>{1, 2});
  CHECK(log.Count("policy.pdf read in part") == 1);
  CHECK(harness.Check("docs").changed == 0);  // not modified: nothing said again
  CHECK(log.Count("read in part") == 1);
}
