// The webhook sink: each batch is one POST of
//   {"events": [
//     {"op": "upsert", "id", "source", "uri", "workload", "text", "metadata": {...},
//      "vector": [...]},                 // [] when the embedder makes no vectors
//     {"op": "delete", "id", "source", "uri"}]}
// in the batch's order (upserts first). Any 2xx acknowledges the whole batch; anything else
// is an error, and the batch is sent again later, so a receiver must treat events as
// idempotent (an upsert replaces, a delete of an unknown id is no error). A 4xx other than
// 408 and 429 is permanent: the receiver refused what the batch holds.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "rag/http_call.h"
#include "rag/sink.h"
#include "rag/sink_json.h"

namespace freshd::rag {
namespace {

using nlohmann::json;

json Event(const SinkOperation& sink_operation) {
  const IndexOperation& operation = sink_operation.operation;
  json event = {{"op", ToString(operation.kind)},
                {"id", operation.chunk_id},
                {"source", operation.metadata.source},
                {"uri", operation.metadata.uri}};
  if (operation.kind == IndexOperation::Kind::kUpsert) {
    event["workload"] = operation.metadata.workload;
    event["text"] = operation.text;
    event["metadata"] = ChunkMetadataJson(operation);
    event["vector"] = sink_operation.vector;
  }
  return event;
}

// The headers may hold secrets (Authorization): a receiver that echoes them in an error
// body must not carry them into our logs.
std::string Redacted(std::string text, const HttpHeaders& headers) {
  for (const auto& [name, value] : headers) {
    if (value.empty()) continue;
    for (std::size_t at = text.find(value); at != std::string::npos;
         at = text.find(value, at + 3)) {
      text.replace(at, value.size(), "***");
    }
  }
  return text;
}

// A 4xx is the receiver refusing the batch itself, which sending it again cannot change;
// except 408 (it timed out reading) and 429 (slow down), which are about when, not what.
// Transport errors, 3xx and 5xx are the receiver's trouble, not the batch's.
bool IsPermanent(const HttpAnswer& answer) {
  return answer.status >= 400 && answer.status < 500 && answer.status != 408 &&
         answer.status != 429;
}

class WebhookSink : public Sink {
 public:
  explicit WebhookSink(WebhookOptions options) : options_(std::move(options)) {}

  std::string_view kind() const override { return "webhook"; }

  Status Apply(const std::vector<SinkOperation>& batch) override {
    if (batch.empty()) return Status::OK();
    json events = json::array();
    for (const SinkOperation& operation : batch) events.push_back(Event(operation));
    const Result<HttpAnswer> answer = HttpCall("POST", options_.url, DumpJson({{"events", events}}),
                                               options_.headers, options_.timeout, options_.stop);
    if (!answer.ok()) return answer.status().WithContext("webhook");  // curl's words, no header
    if (answer->Ok()) return Status::OK();
    std::string why = "webhook: " + Redacted(answer->Describe(), options_.headers);
    return IsPermanent(*answer) ? Refused(std::move(why)) : Status::Unavailable(std::move(why));
  }

  Result<std::vector<std::string>> ListChunkIds() override {
    return Status::InvalidArgument("webhook sinks cannot be listed");
  }

 private:
  const WebhookOptions options_;
};

}  // namespace

std::unique_ptr<Sink> MakeWebhookSink(const WebhookOptions& options) {
  return std::make_unique<WebhookSink>(options);
}

}  // namespace freshd::rag
