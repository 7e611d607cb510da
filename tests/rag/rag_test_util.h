// Shared by the indexer and delivery tests: a store in a temporary folder, documents of
// numbered paragraphs, observations, and the outbox decoded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rag/operations.h"
#include "store/state_store.h"
#include "tests/support/temp_dir.h"

namespace freshd::rag::testing {

// A store with the RAG side's tables declared.
std::unique_ptr<store::StateStore> OpenStore(const freshd::testing::TempDir& dir);

// `paragraphs` paragraphs of 300 to 600 bytes, different for each `seed`; when
// `edited_paragraph` >= 0, that paragraph's text is reworded.
std::string Document(int paragraphs, int seed, int edited_paragraph = -1);

// A fetch of `text` (its hash is the text's own).
store::Observation Fetched(std::int64_t time_ms, const std::string& text);
store::Observation Gone(std::int64_t time_ms);

// Every operation in the outbox, oldest first.
std::vector<IndexOperation> Queued(const store::StateStore& store);

}  // namespace freshd::rag::testing
