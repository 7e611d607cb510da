// Embedders turn chunk texts into vectors (DESIGN.md 3, `embedder:`).
//   none     no vectors (for sinks that need none)
//   hashing  feature hashing of word unigrams and bigrams into `dims`, signed, L2-normalised:
//            deterministic, needs no model (the default)
//   openai   an OpenAI-compatible POST {base_url}/embeddings (OpenAI, vLLM, Ollama,
//            text-embeddings-inference): batched, retried with backoff
// Embedding is blocking (the delivery thread calls it), never on the event loop.
#pragma once

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace freshd::rag {

using Vector = std::vector<float>;

// Sink::Apply and Embedder::Embed say "refused for what was sent" with InvalidArgument, and
// with no other code: sending the same again cannot succeed, so the delivery loop sets it
// aside. Every other failure of theirs (a service down, busy, a malformed answer, a stop, a
// sink or embedder that cannot work as configured) is worth sending again, and uses another
// code.
inline Status Refused(std::string message) { return Status::InvalidArgument(std::move(message)); }
inline bool IsRefusal(const Status& status) { return status.IsInvalidArgument(); }

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual std::string_view kind() const = 0;  // "none", "hashing", "openai"
  virtual int dims() const = 0;               // 0 for none; openai: known after a call
  // One vector per text, in order, each of dims() values; or why not (IsRefusal when the API
  // refused these texts, a 4xx other than 408/429). A message never contains the API key.
  virtual Result<std::vector<Vector>> Embed(const std::vector<std::string>& texts) = 0;
};

std::unique_ptr<Embedder> MakeNoEmbedder();
std::unique_ptr<Embedder> MakeHashingEmbedder(int dims);

struct OpenAiOptions {
  std::string base_url = "https://api.openai.com/v1";  // POST {base_url}/embeddings
  std::string model;
  std::string api_key;   // sent as "Authorization: Bearer"; empty: no header
  int dims = 0;          // when > 0, sent as "dimensions" and every answer checked against it
  int batch_size = 64;   // texts per request
  int max_attempts = 4;  // per batch, on connection errors, 429 and 5xx
  std::chrono::milliseconds first_backoff{500};  // doubled after each failed attempt
  std::chrono::milliseconds timeout{60000};      // per request
  std::stop_token stop{};  // when requested, a request under way or a backoff wait ends
};
std::unique_ptr<Embedder> MakeOpenAiEmbedder(const OpenAiOptions& options);

}  // namespace freshd::rag
