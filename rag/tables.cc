#include "rag/tables.h"

#include <string>
#include <utility>

namespace freshd::rag {

void DeclareTables(store::StoreOptions& options) {
  for (const char* name : {kChunkManifestsTable, kVectorsTable, kSinkChunksTable,
                           kSearchChunksTable, kDeadLettersTable}) {
    options.tables.push_back({name, /*frequently_written=*/false});
  }
  options.tables.push_back({kSearchTermsTable, /*frequently_written=*/true});
}

Result<Tables> FindTables(const store::StateStore& store) {
  Tables tables;
  const std::pair<store::TableId*, const char*> wanted[] = {
      {&tables.chunk_manifests, kChunkManifestsTable}, {&tables.vectors, kVectorsTable},
      {&tables.sink_chunks, kSinkChunksTable},         {&tables.search_chunks, kSearchChunksTable},
      {&tables.search_terms, kSearchTermsTable},       {&tables.dead_letters, kDeadLettersTable}};
  for (auto [handle, name] : wanted) {
    Result<store::TableId> found = store.FindTable(name);
    if (!found.ok()) {
      return found.status().WithContext("the store was opened without the RAG side's tables");
    }
    *handle = *found;
  }
  return tables;
}

Tables TablesOf(const store::StateStore& store) { return FindTables(store).value_or(Tables{}); }

}  // namespace freshd::rag
