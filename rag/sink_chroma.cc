// The chroma sink: Chroma's HTTP API v2, as served by `chroma run` 1.x (chromadb 3.0):
//   POST {db}/collections                    {"name", "get_or_create": true} -> {"id", ...}
//   POST {db}/collections/{id}/upsert        {"ids", "embeddings", "documents", "metadatas"}
//   POST {db}/collections/{id}/delete        {"ids"}
//   POST {db}/collections/{id}/get           {"include": [], "limit", "offset"} -> {"ids"}
// where {db} is /api/v2/tenants/{tenant}/databases/{database}. Record calls take the
// collection's id, not its name; an unknown id answers 404.
//
// A failure is permanent (SinkStatus::permanent) when Chroma refused the records themselves:
// a 4xx to an upsert or delete (400 for a vector of the wrong size, 422 for a malformed
// record), except 404 (the collection is gone: looked up again), 408 and 429; or an upsert
// without a vector, refused before sending. Finding the collection is not about the batch,
// so its failures never are.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "rag/http_call.h"
#include "rag/sink.h"
#include "rag/sink_json.h"

namespace freshd::rag {
namespace {

using nlohmann::json;

// Records per request: well under the server's max_batch_size (5461 for chroma 1.x, see
// GET /api/v2/pre-flight-checks), so that a large batch is never refused for its size.
constexpr std::size_t kRecordsPerRequest = 1000;
constexpr int kIdsPerPage = 1000;

// object[key], or null when `object` is not an object or lacks the key (never throws).
const json& Field(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto found = object.find(key);
  return found == object.end() ? kNull : *found;
}

// A 4xx to a record call, other than 404 (the collection is gone), 408 (a timeout) and
// 429 (busy): sending the same records again gets the same answer. 5xx, 3xx and transport
// errors (status 0) are the server's trouble.
bool RefusesRecords(long status) {
  return status >= 400 && status < 500 && status != 404 && status != 408 && status != 429;
}

using Operations = std::span<const SinkOperation* const>;

json UpsertRequest(Operations upserts) {
  json ids = json::array(), embeddings = json::array(), documents = json::array(),
       metadatas = json::array();
  for (const SinkOperation* upsert : upserts) {
    ids.push_back(upsert->operation.chunk_id);
    embeddings.push_back(upsert->vector);
    documents.push_back(upsert->operation.text);
    metadatas.push_back(ChunkMetadataJson(upsert->operation));
  }
  return {{"ids", std::move(ids)},
          {"embeddings", std::move(embeddings)},
          {"documents", std::move(documents)},
          {"metadatas", std::move(metadatas)}};
}

json DeleteRequest(Operations deletes) {
  json ids = json::array();
  for (const SinkOperation* deletion : deletes) ids.push_back(deletion->operation.chunk_id);
  return {{"ids", std::move(ids)}};
}

// Chroma would embed a record sent without a vector with a model of its own choosing (or
// refuse it): either way the index would not match freshd's embedder, so it is refused here.
Status CheckVectors(Operations upserts) {
  for (const SinkOperation* upsert : upserts) {
    if (upsert->vector.empty()) {
      return Refused("chroma: upsert of chunk " + upsert->operation.chunk_id +
                     " has no vector; the chroma sink needs an embedder (not `none`)");
    }
  }
  return Status::OK();
}

class ChromaSink : public Sink {
 public:
  explicit ChromaSink(ChromaOptions options)
      : options_(std::move(options)),
        database_url_(std::string(strings::TrimRight(options_.url, "/")) + "/api/v2/tenants/" +
                      PercentEncode(options_.tenant) + "/databases/" +
                      PercentEncode(options_.database)) {}

  std::string_view kind() const override { return "chroma"; }

  Status Apply(const std::vector<SinkOperation>& batch) override {
    std::vector<const SinkOperation*> upserts, deletes;
    for (const SinkOperation& operation : batch) {
      auto& list = operation.operation.kind == IndexOperation::Kind::kUpsert ? upserts : deletes;
      list.push_back(&operation);
    }
    if (Status checked = CheckVectors(upserts); !checked.ok()) return checked;
    if (Status sent = SendInPieces("upsert", upserts, &UpsertRequest); !sent.ok()) return sent;
    return SendInPieces("delete", deletes, &DeleteRequest);
  }

  Result<std::vector<std::string>> ListChunkIds() override {
    std::vector<std::string> list;
    for (int offset = 0;; offset += kIdsPerPage) {
      Result<json> reply = PostToCollection(
          "get", {{"include", json::array()}, {"limit", kIdsPerPage}, {"offset", offset}});
      if (!reply.ok()) return reply.status();
      const json& ids = Field(*reply, "ids");
      if (!ids.is_array()) return Status::Unavailable("chroma get: the answer has no ids");
      for (const json& id : ids) {
        if (id.is_string()) list.push_back(id.get<std::string>());
      }
      if (ids.size() < static_cast<std::size_t>(kIdsPerPage)) break;
    }
    std::sort(list.begin(), list.end());
    return list;
  }

 private:
  Status SendInPieces(std::string_view action, Operations operations,
                      json (*make_request)(Operations)) {
    for (std::size_t begin = 0; begin < operations.size(); begin += kRecordsPerRequest) {
      const Operations piece =
          operations.subspan(begin, std::min(kRecordsPerRequest, operations.size() - begin));
      if (Result<json> reply = PostToCollection(action, make_request(piece)); !reply.ok()) {
        return reply.status();
      }
    }
    return Status::OK();
  }

  // POSTs to collections/{id}/{action}. The collection is found (or created) on first use;
  // when it was deleted behind our back (404), it is looked up again, once.
  Result<json> PostToCollection(std::string_view action, const json& request) {
    const std::string body = DumpJson(request);
    for (int attempt = 0;; ++attempt) {
      if (collection_id_.empty()) {
        if (Status found = FindOrCreateCollection(); !found.ok()) return found;
      }
      Result<json> reply =
          Post(action, database_url_ + "/collections/" + collection_id_ + "/" + std::string(action),
               body, /*records=*/true);
      if (reply.ok() || !reply.status().IsNotFound() || attempt == 1) return reply;
      collection_id_.clear();
    }
  }

  Status FindOrCreateCollection() {
    const json request = {{"name", options_.collection}, {"get_or_create", true}};
    Result<json> reply =
        Post("collection", database_url_ + "/collections", DumpJson(request), /*records=*/false);
    if (!reply.ok()) return reply.status();
    const json& id = Field(*reply, "id");
    if (!id.is_string() || id.get<std::string>().empty()) {
      return Status::Unavailable("chroma collection: the answer has no collection id");
    }
    collection_id_ = id.get<std::string>();
    return Status::OK();
  }

  // The answer's JSON, or why there is none: NotFound for a 404, a refusal (IsRefusal) when
  // `records` and RefusesRecords, Unavailable otherwise (or the transport's own Status).
  Result<json> Post(std::string_view action, const std::string& url, const std::string& body,
                    bool records) {
    const std::string what = "chroma " + std::string(action);
    const Result<HttpAnswer> answer =
        HttpCall("POST", url, body, {}, options_.timeout, options_.stop);
    if (!answer.ok()) return answer.status().WithContext(what);
    if (!answer->Ok()) {
      std::string why = what + ": " + answer->Describe();
      if (answer->status == 404) return Status::NotFound(std::move(why));
      if (records && RefusesRecords(answer->status)) return Refused(std::move(why));
      return Status::Unavailable(std::move(why));
    }
    json parsed = json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return Status::Unavailable(what + ": the answer is not JSON");
    return parsed;
  }

  const ChromaOptions options_;
  const std::string database_url_;
  std::string collection_id_;  // empty until found
};

}  // namespace

std::unique_ptr<Sink> MakeChromaSink(const ChromaOptions& options) {
  return std::make_unique<ChromaSink>(options);
}

}  // namespace freshd::rag
