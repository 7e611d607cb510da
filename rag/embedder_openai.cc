// The OpenAI-compatible embedder: POST {base_url}/embeddings, one request per batch, each
// retried on connection errors, 429 and 5xx with a doubling backoff. Retry-After is not
// honoured: HttpCall does not return the answer's headers.
//
// A failure is a refusal (IsRefusal) when the API refused the texts: a 4xx other
// than 408 and 429 (400 for an input too long, 401 for a bad key). Connection errors, 5xx and
// malformed answers are not.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/backoff.h"
#include "common/strings.h"
#include "rag/embedder.h"
#include "rag/http_call.h"

namespace freshd::rag {
namespace {

using nlohmann::json;

// However many attempts are configured, no single wait grows beyond this.
constexpr std::chrono::milliseconds kLongestBackoff{60000};

using Vectors = std::vector<Vector>;

// A failure worth sending again: not a refusal.
Status Failure(std::string error) { return Status::Unavailable(std::move(error)); }

// No answer (but for a stop), 429 and 5xx.
bool IsWorthRetrying(const Result<HttpAnswer>& answer) {
  if (!answer.ok()) return !answer.status().IsCancelled();
  return answer->status == 429 || answer->status >= 500;
}

// The API refused the request for what it holds, and would refuse it again: a 4xx, except
// 408 (the request timed out) and 429 (rate limited), which another try may pass.
bool RefusesTexts(const Result<HttpAnswer>& answer) {
  return answer.ok() && answer->status >= 400 && answer->status < 500 && answer->status != 408 &&
         answer->status != 429;
}

// Servers sometimes echo the credentials they refuse; an error must never carry them.
std::string WithoutKey(std::string text, const std::string& key) {
  if (key.empty()) return text;
  constexpr std::string_view kMask = "[api key]";
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
    text.replace(at, key.size(), kMask);
    at += kMask.size();
  }
  return text;
}

// Like HttpCallResult::Describe, but the key is masked before the body is shortened, so
// that not even a part of it remains.
std::string DescribeFailure(const Result<HttpAnswer>& answer, const std::string& key) {
  if (!answer.ok()) return WithoutKey(answer.status().message(), key);
  std::string text = "HTTP " + std::to_string(answer->status);
  if (!answer->body.empty()) text += ": " + WithoutKey(answer->body, key).substr(0, 200);
  return text;
}

class OpenAiEmbedder final : public Embedder {
 public:
  explicit OpenAiEmbedder(const OpenAiOptions& options)
      : options_(options),
        url_(std::string(strings::TrimRight(options.base_url, "/")) + "/embeddings"),
        dims_(std::max(options.dims, 0)) {
    options_.batch_size = std::max(options_.batch_size, 1);
    options_.max_attempts = std::max(options_.max_attempts, 1);
    if (!options_.api_key.empty()) {
      headers_.emplace_back("Authorization", "Bearer " + options_.api_key);
    }
  }

  std::string_view kind() const override { return "openai"; }
  int dims() const override { return dims_.load(); }

  Result<Vectors> Embed(const std::vector<std::string>& texts) override {
    Vectors vectors;
    vectors.reserve(texts.size());
    const std::size_t batch_size = static_cast<std::size_t>(options_.batch_size);
    for (std::size_t first = 0; first < texts.size(); first += batch_size) {
      const std::size_t last = std::min(texts.size(), first + batch_size);
      Result<Vectors> batch = EmbedBatch({texts.begin() + first, texts.begin() + last});
      if (!batch.ok()) {
        // The batch's messages are without the key already (DescribeFailure).
        return batch.status().WithContext("embeddings of texts " + std::to_string(first) + " to " +
                                          std::to_string(last - 1));
      }
      std::move(batch->begin(), batch->end(), std::back_inserter(vectors));
    }
    return vectors;
  }

 private:
  Result<Vectors> EmbedBatch(const std::vector<std::string>& texts) {
    const std::string body = RequestBody(texts);
    Result<HttpAnswer> answer = Status::Unavailable("no attempt");
    for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
      if (attempt > 1) {
        const auto retry = static_cast<std::uint32_t>(attempt - 2);
        if (!Wait(ExponentialBackoff(options_.first_backoff, retry, kLongestBackoff))) {
          return Status::Cancelled("cancelled: freshd is stopping");
        }
      }
      answer = HttpCall("POST", url_, body, headers_, options_.timeout, options_.stop);
      if (answer.ok() && answer->Ok()) return ParseAnswer(answer->body, texts.size());
      if (!IsWorthRetrying(answer)) {
        if (!answer.ok()) return answer.status();  // a stop
        std::string why = DescribeFailure(answer, options_.api_key);
        return RefusesTexts(answer) ? Refused(std::move(why)) : Failure(std::move(why));
      }
    }
    return Failure(DescribeFailure(answer, options_.api_key) + " (after " +
                   std::to_string(options_.max_attempts) + " attempts)");
  }

  // False when a stop was requested meanwhile.
  bool Wait(std::chrono::milliseconds duration) const {
    std::mutex mutex;
    std::condition_variable_any never_notified;
    std::unique_lock lock(mutex);
    never_notified.wait_for(lock, options_.stop, duration, [] { return false; });
    return !options_.stop.stop_requested();
  }

  std::string RequestBody(const std::vector<std::string>& texts) const {
    json request = {{"model", options_.model}, {"input", texts}};
    if (options_.dims > 0) request["dimensions"] = options_.dims;
    return request.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  // data[i].embedding, placed by data[i].index; every text gets exactly one vector, all of
  // the same length (options_.dims when set, else the length first seen). A malformed answer
  // (not JSON, a wrong count of vectors or of dimensions) is never permanent: it may come
  // from a proxy or gateway in trouble rather than from the texts, so the batch is worth
  // sending again; a model that really answers other dims keeps failing without isolating
  // texts that are not to blame.
  Result<Vectors> ParseAnswer(const std::string& body, std::size_t count) {
    const json answer = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (answer.is_discarded() || !answer.is_object() || !answer.contains("data") ||
        !answer["data"].is_array()) {
      return Failure("answer without a data array");
    }
    const json& data = answer["data"];
    if (data.size() != count) {
      return Failure("answer with " + std::to_string(data.size()) + " vectors for " +
                     std::to_string(count) + " texts");
    }
    std::vector<Vector> vectors(count);
    for (const json& item : data) {
      if (!item.is_object() || !item.contains("index") || !item["index"].is_number_unsigned() ||
          !item.contains("embedding") || !item["embedding"].is_array()) {
        return Failure("answer with a malformed data item");
      }
      const auto index = item["index"].get<std::size_t>();
      if (index >= count || !vectors[index].empty()) {
        return Failure("answer with a missing or repeated index");
      }
      std::optional<Vector> vector = ToVector(item["embedding"]);
      if (!vector) return Failure("answer with an embedding that is not a non-empty number list");
      if (!HasExpectedDims(vector->size())) {
        return Failure("answer with " + std::to_string(vector->size()) + " dimensions, expected " +
                       std::to_string(dims_.load()));
      }
      vectors[index] = std::move(*vector);
    }
    return vectors;
  }

  static std::optional<Vector> ToVector(const json& embedding) {
    if (embedding.empty()) return std::nullopt;
    Vector vector;
    vector.reserve(embedding.size());
    for (const json& value : embedding) {
      if (!value.is_number()) return std::nullopt;
      vector.push_back(value.get<float>());
    }
    return vector;
  }

  // Learns the dimension count from the first answer when none was configured.
  bool HasExpectedDims(std::size_t size) {
    int expected = 0;
    const int actual = static_cast<int>(size);
    return dims_.compare_exchange_strong(expected, actual) || expected == actual;
  }

  OpenAiOptions options_;
  std::string url_;
  HttpHeaders headers_;
  std::atomic<int> dims_;
};

}  // namespace

std::unique_ptr<Embedder> MakeOpenAiEmbedder(const OpenAiOptions& options) {
  return std::make_unique<OpenAiEmbedder>(options);
}

}  // namespace freshd::rag
