// The per-document schedule of adaptive sources (DESIGN.md 6.3), kept in the state store
// (never in RAM, so that a million documents cost disk, not memory): for each document its
// next check, its allotted interval and the last change hint its listing gave; and an index
// of the documents by due time, so that finding what is due costs a seek.
//
// Table "doc_schedule" (declared with DeclareScheduleTable), two kinds of keys:
//   "s" source "\0" uri                    -> the document's slot (EncodeSlot)
//   "q" source "\0" due_ms (8 bytes, BE) uri -> ""   (the due index)
//
// Threads: reads and writes go to the store: call them on a worker.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/state_store.h"

namespace freshd::daemon {

inline constexpr char kScheduleTable[] = "doc_schedule";

// Adds the schedule's table to `options.tables`.
void DeclareScheduleTable(store::StoreOptions& options);

struct DocumentSlot {
  std::int64_t due_ms = 0;       // next check (Unix ms)
  std::int64_t interval_ms = 0;  // allotted by the allocation; 0 until it ran
  std::int64_t hint_ms = 0;      // the listing's last change hint (lastmod), 0 if none
  bool hinted = false;           // due now because its hint moved (for hint precision)
  double rate_per_second = 0;    // the change rate the allocation used; 0 until it ran
  bool operator==(const DocumentSlot&) const = default;
};

struct DueDocument {
  std::string uri;
  DocumentSlot slot;
};

class DocumentSchedule {
 public:
  // The table's handle; InvalidArgument (on every call) when the store was opened without
  // DeclareScheduleTable.
  explicit DocumentSchedule(store::StateStore& store);

  Result<std::optional<DocumentSlot>> Get(std::string_view source, std::string_view uri) const;
  // Stores `slot`, moving the document in the due index from `old` (when it had one).
  void Put(store::WriteSet& writes, std::string_view source, std::string_view uri,
           const std::optional<DocumentSlot>& old, const DocumentSlot& slot) const;
  void Erase(store::WriteSet& writes, std::string_view source, std::string_view uri,
             const DocumentSlot& slot) const;

  // The documents due at `now_ms`, earliest first, at most `limit`.
  Result<std::vector<DueDocument>> Due(std::string_view source, std::int64_t now_ms,
                                       std::size_t limit) const;
  // The earliest due time of the source's documents; nullopt when it has none.
  Result<std::optional<std::int64_t>> NextDue(std::string_view source) const;
  // Every slot of a source, in URI order, until `visit` returns false.
  Status ForEach(std::string_view source,
                 const std::function<bool(std::string_view uri, const DocumentSlot&)>& visit) const;

  Status Apply(store::WriteSet& writes) const;

 private:
  store::StateStore& store_;
  store::TableId table_;
};

}  // namespace freshd::daemon
