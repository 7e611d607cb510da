// The RAG side's tables in the state store, in one place: their names (the column families
// they have always had on disk), their declarations for StoreOptions::tables, and the
// handles found once the store is open. What each table's keys and values mean is said here;
// their encodings live with the code that writes them.
//
// Whoever opens a store that the RAG side uses declares the tables first (DeclareTables);
// the rag classes find their handles from the store they are given (FindTables).
//
// Thread-safe: plain values, read only after they are made.
#pragma once

#include "common/status.h"
#include "store/state_store.h"

namespace freshd::rag {

// Family names: stable, a rename would leave a store's data behind.
inline constexpr char kChunkManifestsTable[] = "rag_manifests";
inline constexpr char kVectorsTable[] = "rag_vectors";
inline constexpr char kSinkChunksTable[] = "rag_sink_chunks";
inline constexpr char kSearchChunksTable[] = "search_chunks";
inline constexpr char kSearchTermsTable[] = "search_terms";
inline constexpr char kDeadLettersTable[] = "rag_dead_letters";

struct Tables {
  store::TableId chunk_manifests;  // document -> the chunks the RAG store should hold for it
  store::TableId vectors;          // chunk id -> its vector, computed once
  store::TableId sink_chunks;      // chunk id -> "": what freshd believes the sink holds
  store::TableId search_chunks;    // embedded sink: chunk id -> chunk, metadata and vector
  store::TableId search_terms;     // embedded sink: term and chunk id -> term frequency
  store::TableId dead_letters;     // sequence -> an operation the sink refused for good, and why
};

// Adds the RAG side's tables to `options.tables` (the search terms are written most).
void DeclareTables(store::StoreOptions& options);

// The handles of a store opened with DeclareTables; NotFound when it was opened without.
Result<Tables> FindTables(const store::StateStore& store);

// FindTables for constructors: handles that name no table when the store was opened
// without them, so that every read and write of them fails with InvalidArgument (a Status
// the caller sees), rather than a crash.
Tables TablesOf(const store::StateStore& store);

}  // namespace freshd::rag
