#include "daemon/document_schedule.h"

#include <algorithm>
#include <cstring>

namespace freshd::daemon {
namespace {

void AppendBigEndian(std::uint64_t value, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

std::uint64_t ReadBigEndian(std::string_view bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

std::string SourcePrefix(char kind, std::string_view source) {
  std::string key(1, kind);
  key.append(source);
  key.push_back('\0');
  return key;
}

std::string SlotKey(std::string_view source, std::string_view uri) {
  std::string key = SourcePrefix('s', source);
  key.append(uri);
  return key;
}

// Times before 1970 do not occur; negative ones sort first as 0.
std::string DueKey(std::string_view source, std::int64_t due_ms, std::string_view uri) {
  std::string key = SourcePrefix('q', source);
  AppendBigEndian(static_cast<std::uint64_t>(std::max<std::int64_t>(0, due_ms)), &key);
  key.append(uri);
  return key;
}

std::string EncodeSlot(const DocumentSlot& slot) {
  std::string value;
  AppendBigEndian(static_cast<std::uint64_t>(slot.due_ms), &value);
  AppendBigEndian(static_cast<std::uint64_t>(slot.interval_ms), &value);
  AppendBigEndian(static_cast<std::uint64_t>(slot.hint_ms), &value);
  value.push_back(slot.hinted ? 1 : 0);
  std::uint64_t rate_bits = 0;
  static_assert(sizeof rate_bits == sizeof slot.rate_per_second);
  std::memcpy(&rate_bits, &slot.rate_per_second, sizeof rate_bits);
  AppendBigEndian(rate_bits, &value);
  return value;
}

constexpr std::size_t kSlotSize = 33;

std::optional<DocumentSlot> DecodeSlot(std::string_view value) {
  if (value.size() != kSlotSize) return std::nullopt;
  DocumentSlot slot;
  slot.due_ms = static_cast<std::int64_t>(ReadBigEndian(value.substr(0)));
  slot.interval_ms = static_cast<std::int64_t>(ReadBigEndian(value.substr(8)));
  slot.hint_ms = static_cast<std::int64_t>(ReadBigEndian(value.substr(16)));
  slot.hinted = value[24] != 0;
  const std::uint64_t rate_bits = ReadBigEndian(value.substr(25));
  std::memcpy(&slot.rate_per_second, &rate_bits, sizeof rate_bits);
  return slot;
}

}  // namespace

void DeclareScheduleTable(store::StoreOptions& options) {
  options.tables.push_back({kScheduleTable, /*frequently_written=*/true});
}

DocumentSchedule::DocumentSchedule(store::StateStore& store)
    : store_(store), table_(store.FindTable(kScheduleTable).value_or(store::TableId())) {}

Result<std::optional<DocumentSlot>> DocumentSchedule::Get(std::string_view source,
                                                          std::string_view uri) const {
  Result<std::string> value = store_.Get(table_, SlotKey(source, uri));
  if (value.status().IsNotFound()) return std::optional<DocumentSlot>();
  if (!value.ok()) return value.status();
  std::optional<DocumentSlot> slot = DecodeSlot(*value);
  if (!slot) {
    // Set aside: the document is scheduled afresh, as a new one.
    store_.ReportCorrupt("the schedule of " + std::string(uri) + " is corrupt; scheduled afresh");
  }
  return slot;
}

void DocumentSchedule::Put(store::WriteSet& writes, std::string_view source, std::string_view uri,
                           const std::optional<DocumentSlot>& old, const DocumentSlot& slot) const {
  if (old && old->due_ms != slot.due_ms) writes.Delete(table_, DueKey(source, old->due_ms, uri));
  if (!old || old->due_ms != slot.due_ms) writes.Put(table_, DueKey(source, slot.due_ms, uri), "");
  writes.Put(table_, SlotKey(source, uri), EncodeSlot(slot));
}

void DocumentSchedule::Erase(store::WriteSet& writes, std::string_view source, std::string_view uri,
                             const DocumentSlot& slot) const {
  writes.Delete(table_, DueKey(source, slot.due_ms, uri));
  writes.Delete(table_, SlotKey(source, uri));
}

Result<std::vector<DueDocument>> DocumentSchedule::Due(std::string_view source, std::int64_t now_ms,
                                                       std::size_t limit) const {
  std::vector<std::pair<std::string, std::int64_t>> due;
  const std::string prefix = SourcePrefix('q', source);
  Status scanned = store_.Scan(table_, prefix, "", [&](std::string_view key, std::string_view) {
    if (due.size() >= limit || key.size() < prefix.size() + 8) return false;
    const auto when = static_cast<std::int64_t>(ReadBigEndian(key.substr(prefix.size())));
    if (when > now_ms) return false;
    due.emplace_back(std::string(key.substr(prefix.size() + 8)), when);
    return true;
  });
  if (!scanned.ok()) return scanned;
  std::vector<DueDocument> documents;
  documents.reserve(due.size());
  store::WriteSet stale;
  for (auto& [uri, when] : due) {
    Result<std::optional<DocumentSlot>> slot = Get(source, uri);
    if (!slot.ok()) return slot.status();
    // An index entry that its slot does not name (a corrupt slot) is dropped.
    if (!*slot || (*slot)->due_ms != when) {
      stale.Delete(table_, DueKey(source, when, uri));
      continue;
    }
    documents.push_back({std::move(uri), **slot});
  }
  if (!stale.empty()) {
    if (Status dropped = store_.Apply(stale); !dropped.ok()) return dropped;
  }
  return documents;
}

Result<std::optional<std::int64_t>> DocumentSchedule::NextDue(std::string_view source) const {
  std::optional<std::int64_t> next;
  const std::string prefix = SourcePrefix('q', source);
  Status scanned = store_.Scan(table_, prefix, "", [&](std::string_view key, std::string_view) {
    if (key.size() >= prefix.size() + 8) {
      next = static_cast<std::int64_t>(ReadBigEndian(key.substr(prefix.size())));
    }
    return false;
  });
  if (!scanned.ok()) return scanned;
  return next;
}

Status DocumentSchedule::ForEach(
    std::string_view source,
    const std::function<bool(std::string_view uri, const DocumentSlot&)>& visit) const {
  const std::string prefix = SourcePrefix('s', source);
  return store_.Scan(table_, prefix, "", [&](std::string_view key, std::string_view value) {
    std::optional<DocumentSlot> slot = DecodeSlot(value);
    if (!slot) {
      store_.ReportCorrupt("a document's schedule is corrupt; skipped");
      return true;
    }
    return visit(key.substr(prefix.size()), *slot);
  });
}

Status DocumentSchedule::Apply(store::WriteSet& writes) const { return store_.Apply(writes); }

}  // namespace freshd::daemon
