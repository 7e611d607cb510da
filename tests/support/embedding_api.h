// A stand-in for a paid OpenAI-compatible embedding API, the one kind of test double freshd's
// tests allow themselves (every other peer is the real server). It answers
// POST {base}/embeddings as OpenAI does: {"input": string or [strings], "model",
// "encoding_format": "float" (default) or "base64" (what the official JS SDK asks for),
// "dimensions"} -> {"object": "list", "data": [{"object": "embedding", "index", "embedding"}],
// "model", "usage"}.
//
// A text's vector is a hashed bag of its words (lowercased, a trailing "s" dropped, so
// "refunds" and "refund" meet), normalized to length 1: texts that share words are close, so
// that a retriever given a question finds the chunk that answers it. Deterministic, and the
// same in every process, so freshd and a client in another language embed alike.
//
//   FaultServer api;
//   api.Route("/v1/embeddings", EmbeddingApi());
//   // freshd: embedder: { kind: openai, base_url: api.Url("/v1"), model: ... }
#pragma once

#include <string>
#include <vector>

#include "tests/support/fault_server.h"

namespace freshd::testing {

inline constexpr int kEmbeddingApiDims = 256;

// The vector EmbeddingApi gives `text`.
std::vector<float> EmbedLikeTheApi(const std::string& text, int dims = kEmbeddingApiDims);

// Answers POST .../embeddings (route it at the path the client will call). A request the
// real API would refuse (no input, malformed JSON) gets a 400 with an OpenAI-style error.
FaultServer::Handler EmbeddingApi(int dims = kEmbeddingApiDims);

}  // namespace freshd::testing
