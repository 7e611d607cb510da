// The webhook sink against a receiver on loopback (FaultServer with a Handler that keeps
// what it was sent and answers with the status the test chooses).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rag/sink.h"
#include "tests/rag/sink_test_util.h"
#include "tests/support/fault_server.h"
#include "tests/support/temp_dir.h"

namespace freshd::rag {
namespace {

using nlohmann::json;
using testing::FaultServer;

constexpr char kSecret[] = "Bearer s3cret-token";

std::vector<SinkOperation> FirstVersion() {
  return {Upsert("r1", "Refunds are paid within 14 days.", kRefunds, {0.5f, -0.25f, 1.0f}),
          Upsert("r2", "Ask for a refund by mail.", kRefunds, {0.125f, 0.0f, -1.0f}),
          Upsert("s1", "We ship worldwide.", kShipping, {})};
}

std::vector<SinkOperation> Edit() {
  return {Upsert("r4", "Ask for a refund in the app.", kRefunds, {0.25f, 0.5f, -0.5f}),
          Delete("r2", kRefunds)};
}

// A receiver answering the status the test chooses, and echoing the request's Authorization
// header in the body of its errors, as a careless receiver might.
class Receiver {
 public:
  Receiver() {
    server_.Route("/ingest", FaultServer::Handler{[this](const FaultServer::Request& request) {
                    const int status = status_.load();
                    // A 204 has no body; errors echo the header.
                    return FaultServer::Plain().Status(status).Body(
                        status < 300 ? "" : "seen " + request.Header("authorization"));
                  }});
  }
  void Answer(int status) { status_ = status; }
  std::string Url() const { return server_.Url("/ingest"); }
  std::vector<json> Bodies() const {
    std::vector<json> bodies;
    for (const auto& request : server_.Requests("/ingest")) {
      bodies.push_back(json::parse(request.body));
    }
    return bodies;
  }
  std::vector<FaultServer::Request> Requests() const { return server_.Requests("/ingest"); }

 private:
  std::atomic<int> status_{200};
  FaultServer server_;
};

std::unique_ptr<Sink> SinkFor(const Receiver& receiver) {
  return MakeWebhookSink({.url = receiver.Url(),
                          .headers = {{"Authorization", kSecret}, {"X-Pipeline", "rag"}},
                          .timeout = std::chrono::seconds(5)});
}

void RequireApplied(Sink& sink, const std::vector<SinkOperation>& batch) {
  const Status status = sink.Apply(batch);
  INFO(status.message());
  REQUIRE(status.ok());
}

TEST_CASE("webhook sink posts a batch as JSON events with its headers", "[sink][webhook]") {
  Receiver receiver;
  auto sink = SinkFor(receiver);
  CHECK(sink->kind() == "webhook");
  RequireApplied(*sink, FirstVersion());

  const auto requests = receiver.Requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].Header("authorization") == kSecret);
  CHECK(requests[0].Header("x-pipeline") == "rag");
  CHECK(requests[0].Header("content-type") == "application/json");

  const json events = receiver.Bodies()[0]["events"];
  REQUIRE(events.size() == 3);
  CHECK(events[0] == json{{"op", "upsert"},
                          {"id", "r1"},
                          {"source", "policy-pages"},
                          {"uri", kRefunds},
                          {"workload", "support-policies"},
                          {"text", "Refunds are paid within 14 days."},
                          {"metadata",
                           {{"source", kRefunds},
                            {"freshd_source", "policy-pages"},
                            {"workload", "support-policies"},
                            {"fetched_at", "2026-01-01T00:00:00.123Z"},
                            {"content_hash", "hash-" + kRefunds}}},
                          {"vector", {0.5, -0.25, 1.0}}});
  CHECK(events[1]["id"] == "r2");
  CHECK(events[2]["id"] == "s1");
  CHECK(events[2]["vector"] == json::array());  // an embedder of kind none
}

TEST_CASE("webhook sink sends a chunk's page and heading in its metadata, only when set",
          "[sink][webhook]") {
  Receiver receiver;
  auto sink = SinkFor(receiver);
  RequireApplied(*sink, {Located(Upsert("p", "Page four.", kRefunds, {}), 4, ""),
                         Located(Upsert("b", "Both.", kRefunds, {}), 2, "Refunds > Window"),
                         Upsert("n", "Neither.", kShipping, {}), Delete("r2", kRefunds)});

  const json events = receiver.Bodies().at(0)["events"];
  REQUIRE(events.size() == 4);
  CHECK(events[0]["metadata"] == json{{"source", kRefunds},
                                      {"freshd_source", "policy-pages"},
                                      {"workload", "support-policies"},
                                      {"fetched_at", "2026-01-01T00:00:00.123Z"},
                                      {"content_hash", "hash-" + kRefunds},
                                      {"page", 4}});
  CHECK(events[1]["metadata"]["page"] == 2);
  CHECK(events[1]["metadata"]["heading"] == "Refunds > Window");
  CHECK_FALSE(events[2]["metadata"].contains("page"));
  CHECK_FALSE(events[2]["metadata"].contains("heading"));
  CHECK_FALSE(events[3].contains("metadata"));  // a delete names its chunk only
}

TEST_CASE("webhook sink sends an edit and a removal as exactly those events", "[sink][webhook]") {
  Receiver receiver;
  auto sink = SinkFor(receiver);
  RequireApplied(*sink, FirstVersion());
  RequireApplied(*sink, Edit());
  RequireApplied(*sink, {Delete("r1", kRefunds), Delete("r4", kRefunds)});

  const auto bodies = receiver.Bodies();
  REQUIRE(bodies.size() == 3);
  const json& edit = bodies[1]["events"];
  REQUIRE(edit.size() == 2);
  CHECK(edit[0]["op"] == "upsert");
  CHECK(edit[0]["id"] == "r4");
  CHECK(edit[0]["text"] == "Ask for a refund in the app.");
  CHECK(edit[1] ==
        json{{"op", "delete"}, {"id", "r2"}, {"source", "policy-pages"}, {"uri", kRefunds}});
  CHECK(bodies[2]["events"] ==
        json{{{"op", "delete"}, {"id", "r1"}, {"source", "policy-pages"}, {"uri", kRefunds}},
             {{"op", "delete"}, {"id", "r4"}, {"source", "policy-pages"}, {"uri", kRefunds}}});
}

TEST_CASE("webhook sink sends a batch applied twice as the same events", "[sink][webhook]") {
  Receiver receiver;
  auto sink = SinkFor(receiver);
  RequireApplied(*sink, Edit());
  RequireApplied(*sink, Edit());
  const auto bodies = receiver.Bodies();
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[0] == bodies[1]);
}

TEST_CASE("webhook sink: a 500 is an error, a 2xx an acknowledgement", "[sink][webhook]") {
  Receiver receiver;
  auto sink = SinkFor(receiver);

  receiver.Answer(500);
  const Status refused = sink->Apply(Edit());
  CHECK_FALSE(refused.ok());
  CHECK_THAT(refused.message(), Catch::Contains("HTTP 500"));
  CHECK_THAT(refused.message(), !Catch::Contains("s3cret-token"));  // though the body echoed it
  receiver.Answer(404);
  CHECK_FALSE(sink->Apply(Edit()).ok());
  receiver.Answer(302);
  CHECK_FALSE(sink->Apply(Edit()).ok());

  for (const int status : {200, 202, 204}) {
    receiver.Answer(status);
    INFO(status);
    RequireApplied(*sink, Edit());
  }
  const auto bodies = receiver.Bodies();
  REQUIRE(bodies.size() == 6);
  CHECK(bodies.front() == bodies.back());  // the refused batch, sent again whole
}

TEST_CASE("webhook sink: a 4xx other than 408 and 429 is permanent, the rest is not",
          "[sink][webhook]") {
  Receiver receiver;
  auto sink = SinkFor(receiver);
  for (const int status : {400, 401, 403, 404, 413, 422}) {
    receiver.Answer(status);
    INFO(status);
    const Status refused = sink->Apply(Edit());
    CHECK_FALSE(refused.ok());
    CHECK(IsRefusal(refused));
    CHECK_THAT(refused.message(), Catch::Contains("HTTP " + std::to_string(status)));
  }
  for (const int status : {408, 429, 500, 502, 503, 302}) {
    receiver.Answer(status);
    INFO(status);
    const Status failed = sink->Apply(Edit());
    CHECK_FALSE(failed.ok());
    CHECK_FALSE(IsRefusal(failed));
  }
  receiver.Answer(200);
  const Status applied = sink->Apply(Edit());
  CHECK(applied.ok());
  CHECK_FALSE(IsRefusal(applied));

  auto unreachable =
      MakeWebhookSink({.url = "http://127.0.0.1:" + std::to_string(testing::FreePort()) + "/ingest",
                       .headers = {}});
  const Status down = unreachable->Apply(Edit());
  CHECK_FALSE(down.ok());
  CHECK_FALSE(IsRefusal(down));
}

TEST_CASE("webhook sink reports an unreachable or silent receiver within its timeout",
          "[sink][webhook]") {
  auto unreachable =
      MakeWebhookSink({.url = "http://127.0.0.1:" + std::to_string(testing::FreePort()) + "/ingest",
                       .headers = {{"Authorization", kSecret}}});
  const Status refused = unreachable->Apply(Edit());
  CHECK_FALSE(refused.ok());
  CHECK_THAT(refused.message(), Catch::StartsWith("webhook") && !Catch::Contains("s3cret-token"));

  FaultServer silent;
  silent.Route("/ingest", FaultServer::Stall{});
  auto stalled = MakeWebhookSink(
      {.url = silent.Url("/ingest"), .headers = {}, .timeout = std::chrono::milliseconds(300)});
  const auto started = std::chrono::steady_clock::now();
  const Status timed_out = stalled->Apply(Edit());
  CHECK_FALSE(timed_out.ok());
  CHECK_FALSE(IsRefusal(timed_out));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
}

TEST_CASE("webhook sink cannot be listed and sends nothing for an empty batch", "[sink][webhook]") {
  Receiver receiver;
  auto sink = SinkFor(receiver);
  const Result<std::vector<std::string>> list = sink->ListChunkIds();
  CHECK_FALSE(list.ok());
  CHECK(list.status().message() == "webhook sinks cannot be listed");
  RequireApplied(*sink, {});
  CHECK(receiver.Requests().empty());
}

}  // namespace
}  // namespace freshd::rag
