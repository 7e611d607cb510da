// The chroma sink: Chroma's HTTP API v2, as served by `chroma run` 1.x (chromadb 3.0):
//   GET  /api/v2/tenants/{tenant}            404 -> POST /api/v2/tenants {"name"}
//   GET  {db}                                404 -> POST /api/v2/tenants/{tenant}/databases
//   POST {db}/collections                    {"name", "configuration", "get_or_create": true}
//                                            -> {"id", "configuration_json", ...}
//   PUT  {db}/collections/{id}               {"new_configuration": {"embedding_function"}}
//   POST {db}/collections/{id}/upsert        {"ids", "embeddings", "documents", "metadatas"}
//   POST {db}/collections/{id}/delete        {"ids"}
//   POST {db}/collections/{id}/get           {"include": [], "limit", "offset"} -> {"ids"}
// where {db} is /api/v2/tenants/{tenant}/databases/{database}. Record calls take the
// collection's id, not its name; an unknown id answers 404. Every request carries the
// configured headers (credentials: never logged). A missing tenant or database is made, as
// the collection is: freshd owns what it writes to. The collection's configuration is
// chroma_collection.h's.
//
// A failure is permanent (SinkStatus::permanent) when Chroma refused the records themselves:
// a 4xx to an upsert or delete (400 for a vector of the wrong size, 422 for a malformed
// record), except 401/403 (the credentials, not the records), 404 (the collection is gone:
// looked up again), 408 and 429; or an upsert without a vector, refused before sending.
// Finding the collection is not about the batch, so its failures never are.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "rag/chroma_collection.h"
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

bool RefusesCredentials(long status) { return status == 401 || status == 403; }

// A 4xx to a record call, other than 401/403 (the credentials), 404 (the collection is
// gone), 408 (a timeout) and 429 (busy): sending the same records again gets the same answer.
// 5xx, 3xx and transport errors (status 0) are the server's trouble.
bool RefusesRecords(long status) {
  return status >= 400 && status < 500 && !RefusesCredentials(status) && status != 404 &&
         status != 408 && status != 429;
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
        tenant_url_(std::string(strings::TrimRight(options_.url, "/")) + "/api/v2/tenants/" +
                    PercentEncode(options_.tenant)),
        database_url_(tenant_url_ + "/databases/" + PercentEncode(options_.database)) {
    if (std::string warning = EmbedderWarning(options_); !warning.empty()) {
      AddWarnings({std::move(warning)}, /*replace_found=*/false);
    }
  }

  std::string_view kind() const override { return "chroma"; }

  Status Prepare() override { return FindOrCreateCollection(); }

  std::vector<std::string> Warnings() const override {
    std::lock_guard lock(warnings_mutex_);
    std::vector<std::string> all = fixed_warnings_;
    all.insert(all.end(), collection_warnings_.begin(), collection_warnings_.end());
    return all;
  }

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
          Call("POST", action,
               database_url_ + "/collections/" + collection_id_ + "/" + std::string(action), body,
               /*records=*/true);
      if (reply.ok() || !reply.status().IsNotFound() || attempt == 1) return reply;
      collection_id_.clear();
    }
  }

  Status FindOrCreateCollection() {
    if (Status ready = MakeDatabaseExist(); !ready.ok()) return ready;
    const json request = {{"name", options_.collection},
                          {"configuration", CollectionConfiguration(options_)},
                          {"get_or_create", true}};
    Result<json> reply = Call("POST", "collection", database_url_ + "/collections",
                              DumpJson(request), /*records=*/false);
    if (!reply.ok()) return reply.status();
    const json& id = Field(*reply, "id");
    if (!id.is_string() || id.get<std::string>().empty()) {
      return Status::Unavailable("chroma collection: the answer has no collection id");
    }
    ConfigurationCheck check = CheckConfiguration(options_, Field(*reply, "configuration_json"));
    if (check.record_embedding_function) {
      if (Status recorded = RecordEmbeddingFunction(id.get<std::string>()); !recorded.ok()) {
        check.warnings.push_back("chroma: collection '" + options_.collection +
                                 "' records no embedding function and freshd could not record "
                                 "it, so clients cannot query it by text: " +
                                 recorded.message());
      }
    }
    AddWarnings(std::move(check.warnings), /*replace_found=*/true);
    collection_id_ = id.get<std::string>();
    return Status::OK();
  }

  // A collection made without an embedding function (by an older freshd) gets freshd's.
  Status RecordEmbeddingFunction(const std::string& id) {
    const json request = {
        {"new_configuration",
         {{"embedding_function", CollectionConfiguration(options_)["embedding_function"]}}}};
    Result<json> reply = Call("PUT", "collection update", database_url_ + "/collections/" + id,
                              DumpJson(request), /*records=*/false);
    if (!reply.ok()) return reply.status();
    spdlog::info("chroma: collection '{}' now records freshd's embedding function",
                 options_.collection);
    return Status::OK();
  }

  // The tenant, then the database, each made when Chroma does not know it (404).
  Status MakeDatabaseExist() {
    if (database_exists_) return Status::OK();
    const std::string tenants_url = tenant_url_.substr(0, tenant_url_.rfind('/'));
    if (Status made = MakeExist("tenant", tenant_url_, tenants_url, options_.tenant); !made.ok()) {
      return made;
    }
    if (Status made =
            MakeExist("database", database_url_, tenant_url_ + "/databases", options_.database);
        !made.ok()) {
      return made;
    }
    database_exists_ = true;
    return Status::OK();
  }

  Status MakeExist(const std::string& what, const std::string& url, const std::string& parent_url,
                   const std::string& name) {
    Result<json> found = Call("GET", what, url, "", /*records=*/false);
    if (found.ok() || !found.status().IsNotFound()) return found.status();
    Result<json> made =
        Call("POST", "create " + what, parent_url, DumpJson({{"name", name}}), /*records=*/false);
    if (!made.ok()) return made.status();
    spdlog::info("chroma: made {} '{}'", what, name);
    return Status::OK();
  }

  // The answer's JSON, or why there is none: NotFound for a 404, a refusal (IsRefusal) when
  // `records` and RefusesRecords, Unavailable otherwise (or the transport's own Status).
  Result<json> Call(std::string_view method, std::string_view action, const std::string& url,
                    const std::string& body, bool records) {
    const std::string what = "chroma " + std::string(action);
    const Result<HttpAnswer> answer =
        HttpCall(method, url, body, options_.headers, options_.timeout, options_.stop);
    if (!answer.ok()) return answer.status().WithContext(what);
    if (!answer->Ok()) {
      std::string why = what + ": " + answer->Describe();
      if (answer->status == 404) return Status::NotFound(std::move(why));
      if (RefusesCredentials(answer->status)) {
        return Status::Unavailable(why +
                                   " (Chroma refused the credentials: check "
                                   "rag_store.chroma.headers)");
      }
      if (records && RefusesRecords(answer->status)) return Refused(std::move(why));
      return Status::Unavailable(std::move(why));
    }
    json parsed = json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return Status::Unavailable(what + ": the answer is not JSON");
    return parsed;
  }

  // Logs each warning the first time it is found. `replace_found`: the warnings about the
  // collection found now replace those about one found before (it may have been remade).
  void AddWarnings(std::vector<std::string> warnings, bool replace_found) {
    std::lock_guard lock(warnings_mutex_);
    for (const std::string& warning : warnings) {
      if (logged_.insert(warning).second) spdlog::warn("{}", warning);
    }
    auto& list = replace_found ? collection_warnings_ : fixed_warnings_;
    if (replace_found) list.clear();
    list.insert(list.end(), warnings.begin(), warnings.end());
  }

  const ChromaOptions options_;
  const std::string tenant_url_;    // .../api/v2/tenants/{tenant}
  const std::string database_url_;  // tenant_url_ + /databases/{database}
  bool database_exists_ = false;    // seen or made once: not checked again
  std::string collection_id_;       // empty until found

  mutable std::mutex warnings_mutex_;
  std::vector<std::string> fixed_warnings_;       // about freshd's own configuration
  std::vector<std::string> collection_warnings_;  // about the collection found last
  std::set<std::string> logged_;
};

}  // namespace

std::unique_ptr<Sink> MakeChromaSink(const ChromaOptions& options) {
  return std::make_unique<ChromaSink>(options);
}

}  // namespace freshd::rag
