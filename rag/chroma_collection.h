// What freshd asks of a Chroma collection's configuration, and what it makes of the
// configuration of a collection that already exists (private to the chroma sink).
//
// The configuration tells Chroma's clients how the collection's vectors were made, so that
// they embed a question the same way (chromadb's JS and Python clients read
// configuration_json.embedding_function when they open a collection):
//   {"hnsw": {"space": distance},
//    "embedding_function": {"type": "known", "name": "openai",
//                           "config": {"model_name", "api_key_env_var", "api_base"}}}
// for embedder kind openai (the key itself is never written, only the variable clients read
// it from), or {"type": "legacy"} for the hashing embedder, which no client reproduces: the
// clients then say that query needs embeddings, which is true.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rag/sink.h"

namespace freshd::rag {

// The variable clients read the OpenAI key from when `api_key_env` is not set (the key comes
// from a file, or there is none): the official clients' own default.
inline constexpr char kDefaultApiKeyEnv[] = "OPENAI_API_KEY";

// The "configuration" of POST .../collections.
nlohmann::json CollectionConfiguration(const ChromaOptions& options);

// The warning every reader of a collection made with the hashing (or no) embedder should
// read; empty for an embedder clients can reproduce.
std::string EmbedderWarning(const ChromaOptions& options);

// How an existing collection's configuration_json differs from what `options` ask for.
struct ConfigurationCheck {
  // The collection records no embedding function (made by an older freshd, or by a
  // client without one) while freshd's embedder is one clients can reproduce: recording it
  // with PUT .../collections/{id} is safe, nothing else relies on it.
  bool record_embedding_function = false;
  // What cannot be changed in place, each a line for the log and /api/v1/index.
  std::vector<std::string> warnings;
};
ConfigurationCheck CheckConfiguration(const ChromaOptions& options, const nlohmann::json& found);

}  // namespace freshd::rag
