#include "store/state_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <filesystem>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

namespace freshd::store {
namespace {

using nlohmann::json;

constexpr char kSchemaKey[] = "schema_version";
constexpr char kDocumentsFamily[] = "documents";
constexpr char kHistoryFamily[] = "history";
// The tables' families, in the order of the Table enum.
constexpr std::array<const char*, 7> kTableFamilies = {
    "rag_manifests", "rag_outbox",   "rag_vectors",     "rag_sink_chunks",
    "search_chunks", "search_terms", "rag_dead_letters"};
constexpr int kRecordVersion = 1;  // the "v" field of every encoded value
constexpr std::size_t kLockStripes = 64;

// ---------------------------------------------------------------------------------------
// Keys. documents: source '\0' uri. history: source '\0' uri '\0' seq (8 bytes, big
// endian, so that a document's checks sort oldest first). Sources and URIs hold no NUL,
// so source + '\0' .. source + '\1' bounds exactly one source.

std::string DocumentKeyBytes(const DocumentKey& key) {
  std::string bytes;
  bytes.reserve(key.source.size() + 1 + key.uri.size());
  bytes.append(key.source).push_back('\0');
  bytes.append(key.uri);
  return bytes;
}

std::string HistoryPrefix(std::string_view document_key) {
  std::string prefix(document_key);
  prefix.push_back('\0');
  return prefix;
}

// The first key after every key that starts with `prefix` (which ends in '\0').
std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  end.back() = '\1';
  return end;
}

std::string HistoryKey(std::string_view prefix, std::uint64_t seq) {
  std::string key(prefix);
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(seq >> shift));
  return key;
}

std::uint64_t HistorySeq(const rocksdb::Slice& key) {
  std::uint64_t seq = 0;
  if (key.size() < 8) return seq;
  for (std::size_t i = key.size() - 8; i < key.size(); ++i) {
    seq = (seq << 8) | static_cast<unsigned char>(key[i]);
  }
  return seq;
}

DocumentKey SplitDocumentKey(const rocksdb::Slice& bytes) {
  std::string_view view(bytes.data(), bytes.size());
  std::size_t nul = view.find('\0');
  if (nul == std::string_view::npos) return {std::string(view), ""};
  return {std::string(view.substr(0, nul)), std::string(view.substr(nul + 1))};
}

Status ValidateName(std::string_view what, std::string_view name) {
  if (name.empty()) return Status::InvalidArgument(std::string(what) + " is empty");
  if (name.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument(std::string(what) + " contains NUL");
  }
  return Status::OK();
}

Status ValidateKey(const DocumentKey& key) {
  Status status = ValidateName("source", key.source);
  return status.ok() ? ValidateName("uri", key.uri) : status;
}

std::string Printable(const DocumentKey& key) { return key.source + " " + key.uri; }

// ---------------------------------------------------------------------------------------
// Values: MessagePack objects with short keys; empty strings and zeros are left out.

void PutString(json& object, const char* name, const std::string& value) {
  if (!value.empty()) object[name] = value;
}

template <typename Int>
void PutInt(json& object, const char* name, Int value) {
  if (value != 0) object[name] = value;
}

std::string ToMsgpack(const json& object) {
  std::string bytes;
  json::to_msgpack(object, bytes);
  return bytes;
}

// The Read* functions leave *out alone when the field is absent, and fail on a wrong type.
bool ReadString(const json& object, const char* name, std::string* out) {
  auto it = object.find(name);
  if (it == object.end()) return true;
  if (!it->is_string()) return false;
  *out = it->get_ref<const std::string&>();
  return true;
}

bool ReadInt(const json& object, const char* name, std::int64_t* out) {
  auto it = object.find(name);
  if (it == object.end()) return true;
  if (it->is_number_unsigned()) {
    std::uint64_t value = it->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return false;
    }
    *out = static_cast<std::int64_t>(value);
    return true;
  }
  if (!it->is_number_integer()) return false;
  *out = it->get<std::int64_t>();
  return true;
}

bool ReadUint(const json& object, const char* name, std::uint64_t max, std::uint64_t* out) {
  auto it = object.find(name);
  if (it == object.end()) return true;
  if (it->is_number_unsigned()) {
    *out = it->get<std::uint64_t>();
  } else if (it->is_number_integer() && it->get<std::int64_t>() >= 0) {
    *out = static_cast<std::uint64_t>(it->get<std::int64_t>());
  } else {
    return false;
  }
  return *out <= max;
}

bool ReadBool(const json& object, const char* name, bool* out) {
  auto it = object.find(name);
  if (it == object.end()) return true;
  if (!it->is_boolean()) return false;
  *out = it->get<bool>();
  return true;
}

// Parses a versioned MessagePack object; a discarded value means it could not.
json ParseValue(const rocksdb::Slice& bytes) {
  json object;
  try {
    object = json::from_msgpack(bytes.data(), bytes.data() + bytes.size(),
                                /*strict=*/true, /*allow_exceptions=*/false);
  } catch (const json::exception&) {  // not expected without exceptions; never fatal
    return json(json::value_t::discarded);
  }
  if (!object.is_object()) return json(json::value_t::discarded);
  std::int64_t version = 0;
  if (!ReadInt(object, "v", &version) || version != kRecordVersion) {
    return json(json::value_t::discarded);
  }
  return object;
}

std::string EncodeDocument(const DocumentRecord& record) {
  json object = json::object();
  object["v"] = kRecordVersion;
  PutString(object, "e", record.etag);
  PutString(object, "l", record.last_modified);
  PutString(object, "h", record.content_hash);
  PutInt(object, "m", record.modified_ms);
  PutInt(object, "f", record.first_seen_ms);
  PutInt(object, "c", record.last_check_ms);
  PutInt(object, "g", record.last_change_ms);
  PutInt(object, "n", record.checks);
  PutInt(object, "x", record.changes);
  PutInt(object, "r", record.errors);
  PutInt(object, "ce", record.consecutive_errors);
  PutInt(object, "cm", record.consecutive_misses);
  PutString(object, "le", record.last_error);
  if (record.removed) object["d"] = true;
  if (!record.volatile_masks.empty()) object["vm"] = record.volatile_masks;
  if (record.indexed) object["ix"] = true;
  PutInt(object, "hn", record.history_next_seq);
  PutInt(object, "ho", record.history_oldest_seq);
  return ToMsgpack(object);
}

std::optional<DocumentRecord> DecodeDocument(const rocksdb::Slice& bytes) {
  json object = ParseValue(bytes);
  if (object.is_discarded()) return std::nullopt;
  constexpr std::uint64_t kAny = std::numeric_limits<std::uint64_t>::max();
  DocumentRecord record;
  std::uint64_t consecutive = 0;
  std::uint64_t misses = 0;
  bool ok =
      ReadString(object, "e", &record.etag) && ReadString(object, "l", &record.last_modified) &&
      ReadString(object, "h", &record.content_hash) && ReadInt(object, "m", &record.modified_ms) &&
      ReadInt(object, "f", &record.first_seen_ms) && ReadInt(object, "c", &record.last_check_ms) &&
      ReadInt(object, "g", &record.last_change_ms) && ReadUint(object, "n", kAny, &record.checks) &&
      ReadUint(object, "x", kAny, &record.changes) && ReadUint(object, "r", kAny, &record.errors) &&
      ReadUint(object, "ce", std::numeric_limits<std::uint32_t>::max(), &consecutive) &&
      ReadUint(object, "cm", std::numeric_limits<std::uint32_t>::max(), &misses) &&
      ReadString(object, "le", &record.last_error) && ReadBool(object, "d", &record.removed) &&
      ReadBool(object, "ix", &record.indexed) &&
      ReadUint(object, "hn", kAny, &record.history_next_seq) &&
      ReadUint(object, "ho", kAny, &record.history_oldest_seq) &&
      record.history_oldest_seq <= record.history_next_seq;
  if (!ok) return std::nullopt;
  if (auto masks = object.find("vm"); masks != object.end()) {
    if (!masks->is_array()) return std::nullopt;
    for (const auto& mask : *masks) {
      if (!mask.is_string()) return std::nullopt;
      record.volatile_masks.push_back(mask.get<std::string>());
    }
  }
  record.consecutive_errors = static_cast<std::uint32_t>(consecutive);
  record.consecutive_misses = static_cast<std::uint32_t>(misses);
  return record;
}

std::string EncodeCheck(const CheckRecord& check) {
  json object = json::object();
  object["v"] = kRecordVersion;
  PutInt(object, "t", check.time_ms);
  PutInt(object, "o", static_cast<unsigned>(check.outcome));
  PutString(object, "h", check.content_hash);
  PutInt(object, "m", check.modified_ms);
  PutString(object, "er", check.error_reason);
  return ToMsgpack(object);
}

std::optional<CheckRecord> DecodeCheck(const rocksdb::Slice& bytes) {
  json object = ParseValue(bytes);
  if (object.is_discarded()) return std::nullopt;
  CheckRecord check;
  std::uint64_t outcome = 0;
  bool ok = ReadInt(object, "t", &check.time_ms) &&
            ReadUint(object, "o", static_cast<std::uint64_t>(CheckOutcome::kMissing), &outcome) &&
            ReadString(object, "h", &check.content_hash) &&
            ReadInt(object, "m", &check.modified_ms) &&
            ReadString(object, "er", &check.error_reason);
  if (!ok) return std::nullopt;
  check.outcome = static_cast<CheckOutcome>(outcome);
  return check;
}

// ---------------------------------------------------------------------------------------
// The decision: what a check means given the stored record.

// Present: fetched successfully at least once, and not removed since.
bool IsPresent(const DocumentRecord* previous) {
  return previous != nullptr && !previous->removed && !previous->content_hash.empty();
}

CheckOutcome ApplyFetched(const DocumentRecord* previous, const Observation& seen,
                          DocumentRecord* doc) {
  CheckOutcome outcome = CheckOutcome::kNew;  // a removed document coming back is new too
  if (IsPresent(previous)) {
    outcome = previous->content_hash == seen.content_hash ? CheckOutcome::kUnchanged
                                                          : CheckOutcome::kChanged;
  }
  doc->content_hash = seen.content_hash;
  doc->etag = seen.etag;
  doc->last_modified = seen.last_modified;
  doc->modified_ms = seen.modified_ms;
  doc->removed = false;
  if (outcome == CheckOutcome::kChanged) ++doc->changes;
  if (outcome != CheckOutcome::kUnchanged) doc->last_change_ms = seen.time_ms;
  return outcome;
}

void ApplyError(const Observation& seen, DocumentRecord* doc) {
  ++doc->errors;
  if (doc->consecutive_errors < std::numeric_limits<std::uint32_t>::max()) {
    ++doc->consecutive_errors;
  }
  doc->last_error = seen.error_reason;
  if (!seen.error_message.empty()) {
    doc->last_error += doc->last_error.empty() ? seen.error_message : ": " + seen.error_message;
  }
}

void ApplyGone(const DocumentRecord* previous, const Observation& seen, DocumentRecord* doc) {
  // Only the transition counts as a change; "still gone" is a check and nothing more.
  if (IsPresent(previous)) {
    ++doc->changes;
    doc->last_change_ms = seen.time_ms;
  }
  doc->removed = true;
  doc->etag.clear();
  doc->last_modified.clear();
}

struct Decision {
  CheckOutcome outcome = CheckOutcome::kNew;
  DocumentRecord document;
  CheckRecord check;
};

// A present document found gone is only missing until it has been gone on `misses_needed`
// checks in a row: a glitch of the server or of a listing must not delete it.
CheckOutcome DecideGone(const DocumentRecord* previous, const Observation& seen,
                        std::uint32_t misses_needed, DocumentRecord* doc) {
  if (IsPresent(previous) && doc->consecutive_misses + 1 < misses_needed) {
    ++doc->consecutive_misses;
    if (!seen.error_reason.empty()) ApplyError(seen, doc);
    return CheckOutcome::kMissing;
  }
  ApplyGone(previous, seen, doc);
  return CheckOutcome::kRemoved;
}

// `doc` starts as the stored record (or a blank one with the history bounds to continue).
Decision Decide(const DocumentRecord* previous, DocumentRecord doc, const Observation& seen,
                std::uint32_t misses_needed) {
  if (previous == nullptr) doc.first_seen_ms = seen.time_ms;
  ++doc.checks;
  doc.last_check_ms = seen.time_ms;
  CheckOutcome outcome = CheckOutcome::kNotModified;
  switch (seen.kind) {
    case Observation::Kind::kFetched:
      outcome = ApplyFetched(previous, seen, &doc);
      break;
    case Observation::Kind::kNotModified:
      outcome = CheckOutcome::kNotModified;
      break;
    case Observation::Kind::kError:
      outcome = CheckOutcome::kError;
      ApplyError(seen, &doc);
      break;
    case Observation::Kind::kGone:
      outcome = DecideGone(previous, seen, misses_needed, &doc);
      break;
  }
  if (outcome != CheckOutcome::kError && outcome != CheckOutcome::kMissing) {
    doc.consecutive_errors = 0;
    doc.last_error.clear();
  }
  if (seen.kind != Observation::Kind::kGone) doc.consecutive_misses = 0;
  CheckRecord check;
  check.time_ms = seen.time_ms;
  check.outcome = outcome;
  if (outcome == CheckOutcome::kError || outcome == CheckOutcome::kMissing) {
    check.error_reason = seen.error_reason;
  }
  if (outcome != CheckOutcome::kError && outcome != CheckOutcome::kRemoved) {
    check.content_hash = doc.content_hash;
    check.modified_ms = doc.modified_ms;
  }
  return {outcome, std::move(doc), std::move(check)};
}

// ---------------------------------------------------------------------------------------
// Opening.

// Files RocksDB itself leaves in a folder whose creation was interrupted before CURRENT.
bool IsStoreLeftover(const std::string& name) {
  static constexpr std::array<std::string_view, 5> kPrefixes = {"LOG", "MANIFEST-", "OPTIONS-",
                                                                "IDENTITY", "LOCK"};
  for (std::string_view prefix : kPrefixes) {
    if (name.starts_with(prefix)) return true;
  }
  return name == "lost+found" || name.ends_with(".log") || name.ends_with(".dbtmp");
}

// Makes sure `dir` is a folder that holds a store or nothing else. Sets *exists when a
// store (a CURRENT file) is there.
Status PrepareFolder(const std::string& dir, bool* exists) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    if (!fs::create_directories(dir, ec) && ec) {
      return Status::IOError("cannot create the state folder " + dir + ": " + ec.message());
    }
    *exists = false;
    return Status::OK();
  }
  if (!fs::is_directory(status)) {
    return Status::InvalidArgument("state folder " + dir + " is not a folder");
  }
  *exists = fs::exists(fs::path(dir) / "CURRENT", ec);
  if (*exists) return Status::OK();
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!IsStoreLeftover(name)) {
      return Status::InvalidArgument(
          "state folder " + dir + " holds other files (" + name +
          ") but no RocksDB store (no CURRENT file); refusing to create a store among "
          "them: point state_dir at an empty or new folder");
    }
  }
  if (ec) return Status::IOError("cannot read the state folder " + dir + ": " + ec.message());
  return Status::OK();
}

Status OpenFailure(const std::string& dir, const rocksdb::Status& status) {
  if (status.IsCorruption()) {
    return Status::Corruption(
        "state store " + dir + " is corrupt (" + status.ToString() +
        "); refusing to open it: move the folder aside to start afresh, or restore it "
        "from a backup");
  }
  std::string message = "cannot open the state store " + dir + ": " + status.ToString();
  if (status.IsIOError() && status.ToString().find("lock") != std::string::npos) {
    message += " (is another freshd using the same state_dir?)";
  }
  return Status::IOError(message);
}

// A failed RocksDB read or write as a Status: NotFound only when RocksDB says so.
Status FromRocks(const rocksdb::Status& status, std::string_view what, const std::string& dir) {
  if (status.ok()) return Status::OK();
  std::string message = std::string(what) + " the state store " + dir + ": " + status.ToString();
  if (status.IsNotFound()) return Status::NotFound(message);
  if (status.IsCorruption()) return Status::Corruption(message);
  return Status::IOError(message);
}

rocksdb::CompressionType PickCompression() {
  std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  for (rocksdb::CompressionType wanted : {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (std::find(supported.begin(), supported.end(), wanted) != supported.end()) return wanted;
  }
  return rocksdb::kNoCompression;
}

// Modest settings: the daemon runs for months on small machines next to other services.
rocksdb::DBOptions MakeDbOptions(rocksdb::Env* env) {
  rocksdb::DBOptions options;
  if (env != nullptr) options.env = env;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_open_files = 256;
  options.max_background_jobs = 2;
  options.db_write_buffer_size = 32u << 20;  // all memtables together
  options.max_total_wal_size = 64u << 20;    // flushes the rarely written meta family too
  options.keep_log_file_num = 4;
  options.max_log_file_size = 4u << 20;
  return options;
}

rocksdb::ColumnFamilyOptions MakeFamilyOptions(const std::shared_ptr<rocksdb::Cache>& cache,
                                               std::size_t write_buffer, bool bloom) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (bloom) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions options;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.write_buffer_size = write_buffer;
  options.max_write_buffer_number = 2;
  options.level_compaction_dynamic_level_bytes = true;
  options.compression = PickCompression();
  return options;
}

std::string Excerpt(const std::string& bytes) {
  std::string out;
  for (char c : bytes.substr(0, 32)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

}  // namespace

std::string_view ToString(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kNew:
      return "new";
    case CheckOutcome::kChanged:
      return "changed";
    case CheckOutcome::kUnchanged:
      return "unchanged";
    case CheckOutcome::kNotModified:
      return "not_modified";
    case CheckOutcome::kError:
      return "error";
    case CheckOutcome::kRemoved:
      return "removed";
    case CheckOutcome::kMissing:
      return "missing";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------

struct StateStore::Impl {
  std::string dir;
  StoreOptions options;
  std::shared_ptr<rocksdb::Cache> cache;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // every family, owned
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* documents = nullptr;
  rocksdb::ColumnFamilyHandle* history = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, kTableFamilies.size()> tables{};
  std::atomic<std::uint64_t> next_outbox_sequence{1};
  // Signed: a delivery may remove entries before the appender has counted them.
  std::atomic<std::int64_t> outbox_size{0};
  std::mutex append_mutex;  // held from numbering outbox appends to their write
  // Serializes read-modify-write of one document between Record and PruneHistory.
  mutable std::array<std::mutex, kLockStripes> stripes;

  ~Impl() {
    if (!db) return;
    // A clean stop leaves the memtables on disk, so that the next start does not replay
    // the write-ahead log (seconds after a large first pass). A crash skips this: nothing
    // is lost, the replay does it.
    db->Flush(rocksdb::FlushOptions(), handles).PermitUncheckedError();
    for (rocksdb::ColumnFamilyHandle* handle : handles) db->DestroyColumnFamilyHandle(handle);
    db->Close().PermitUncheckedError();
  }

  // sync = false, WAL on: each write reaches the WAL file (the OS page cache) before
  // Write() returns, so a crash or kill -9 of the process loses nothing; only a power loss
  // or kernel crash can, and SyncWal() (every second from the daemon) bounds that window
  // without paying an fdatasync per check.
  static rocksdb::WriteOptions WriteOptions() {
    rocksdb::WriteOptions options;
    options.sync = false;
    options.disableWAL = false;
    return options;
  }

  std::mutex& StripeFor(const std::string& document_key) const {
    return stripes[std::hash<std::string>{}(document_key) % kLockStripes];
  }

  void ReportCorrupt(const std::string& message) const {
    if (options.on_corrupt_record) options.on_corrupt_record(message);
  }

  Status Reading(const rocksdb::Status& status) const { return FromRocks(status, "reading", dir); }
  Status Writing(const rocksdb::Status& status) const {
    return FromRocks(status, "cannot write to", dir);
  }

  Status OpenDb(const std::vector<std::string>& existing);
  Status CheckSchema();
  bool IsBlank();

  // The stored record: NotFound when absent, Corruption when present but undecodable (then
  // *undecodable is set: unlike a block RocksDB cannot read, such a record may be replaced).
  Result<DocumentRecord> Load(const std::string& document_key, bool* undecodable = nullptr) const;
  Result<DocumentRecord> RecoverBounds(const std::string& document_key) const;
  Result<RecordResult> Record(const DocumentKey& key, const Observation& seen,
                              const AlsoWrite& also);
  rocksdb::ColumnFamilyHandle* Family(Table table) const {
    return tables[static_cast<std::size_t>(table)];
  }
  // Adds the writes to the batch; returns the change to the outbox's size.
  std::int64_t AddWrites(WriteSet& writes, rocksdb::WriteBatch* batch);
  Status LoadOutboxBounds();
  Result<std::vector<CheckRecord>> History(const DocumentKey& key, std::size_t limit) const;
  Status ForEachDocument(
      std::string_view source, std::string_view after_uri,
      const std::function<bool(const DocumentKey&, const DocumentRecord&)>& visit) const;
  Result<std::size_t> PruneHistory(std::int64_t now_ms);
  Status SetVolatileMasks(const DocumentKey& key, const std::vector<std::string>& masks,
                          const std::string& expected_hash, const std::string& masked_hash);
  Result<std::size_t> PruneDocument(const std::string& document_key, std::int64_t cutoff_ms);
};

Status StateStore::Impl::OpenDb(const std::vector<std::string>& existing) {
  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, kDocumentsFamily,
                                    kHistoryFamily};
  names.insert(names.end(), kTableFamilies.begin(), kTableFamilies.end());
  for (const std::string& name : existing) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    bool is_documents = name == kDocumentsFamily;
    bool is_busy = is_documents || name == kHistoryFamily || name == std::string("search_terms");
    std::size_t write_buffer = is_busy ? 16u << 20 : 4u << 20;
    descriptors.emplace_back(name, MakeFamilyOptions(cache, write_buffer, is_documents));
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(MakeDbOptions(options.env), dir, descriptors, &handles, &raw);
  db.reset(raw);
  if (!status.ok()) return OpenFailure(dir, status);
  meta = handles[0];
  documents = handles[1];
  history = handles[2];
  for (std::size_t i = 0; i < tables.size(); ++i) tables[i] = handles[3 + i];
  return Status::OK();
}

bool StateStore::Impl::IsBlank() {
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handle));
    it->SeekToFirst();
    if (it->Valid() || !it->status().ok()) return false;
  }
  return true;
}

Status StateStore::Impl::CheckSchema() {
  std::string value;
  rocksdb::Status status = db->Get(rocksdb::ReadOptions(), meta, kSchemaKey, &value);
  bool fresh = status.IsNotFound();
  if (fresh) {
    // A store created by an interrupted first start is blank; anything else is not ours.
    if (!IsBlank()) {
      return Status::InvalidArgument(
          "state store " + dir +
          " holds data but no schema version: it was not written by freshd; refusing "
          "to open it");
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    status = db->Put(sync, meta, kSchemaKey, std::to_string(StateStore::kSchemaVersion));
  }
  if (!status.ok()) return OpenFailure(dir, status);
  if (fresh) return Status::OK();
  int version = 0;
  auto [end, parse_error] = std::from_chars(value.data(), value.data() + value.size(), version);
  if (parse_error != std::errc() || end != value.data() + value.size()) {
    return Status::Corruption("state store " + dir + " has an unreadable schema version ('" +
                              Excerpt(value) + "'); refusing to open it");
  }
  if (version != StateStore::kSchemaVersion) {
    return Status::InvalidArgument(
        "state store " + dir + " has schema version " + std::to_string(version) +
        ", this freshd reads version " + std::to_string(StateStore::kSchemaVersion) +
        " only; refusing to open it (run the freshd that wrote it, or move the folder "
        "aside)");
  }
  return Status::OK();
}

Result<DocumentRecord> StateStore::Impl::Load(const std::string& document_key,
                                              bool* undecodable) const {
  std::string value;
  rocksdb::Status status = db->Get(rocksdb::ReadOptions(), documents, document_key, &value);
  if (!status.ok()) return Reading(status);
  std::optional<DocumentRecord> record = DecodeDocument(value);
  if (!record) {
    if (undecodable != nullptr) *undecodable = true;
    return Status::Corruption("a stored document record does not decode");
  }
  return std::move(*record);
}

// For a corrupt document record: a blank record whose history continues after the
// entries still stored, so that the seq range [oldest, next) stays exact.
Result<DocumentRecord> StateStore::Impl::RecoverBounds(const std::string& document_key) const {
  std::string prefix = HistoryPrefix(document_key);
  std::string end = PrefixEnd(prefix);
  rocksdb::Slice lower(prefix), upper(end);
  rocksdb::ReadOptions read;
  read.iterate_lower_bound = &lower;
  read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, history));
  DocumentRecord blank;
  it->SeekToFirst();
  if (!it->Valid()) {
    if (!it->status().ok()) return Reading(it->status());
    return blank;
  }
  blank.history_oldest_seq = HistorySeq(it->key());
  it->SeekToLast();
  if (!it->status().ok()) return Reading(it->status());
  if (it->Valid()) blank.history_next_seq = HistorySeq(it->key()) + 1;
  blank.history_next_seq = std::max(blank.history_next_seq, blank.history_oldest_seq);
  return blank;
}

Result<RecordResult> StateStore::Impl::Record(const DocumentKey& key, const Observation& seen,
                                              const AlsoWrite& also) {
  if (Status valid = ValidateKey(key); !valid.ok()) return valid;
  if (seen.kind == Observation::Kind::kFetched && seen.content_hash.empty()) {
    return Status::InvalidArgument("a fetched observation needs a content hash");
  }

  std::string document_key = DocumentKeyBytes(key);
  std::lock_guard lock(StripeFor(document_key));
  RecordResult result;
  bool undecodable = false;
  Result<DocumentRecord> loaded = Load(document_key, &undecodable);
  DocumentRecord start;
  if (loaded.ok()) {
    result.previous = loaded.value();
    start = std::move(loaded).value();
  } else if (undecodable) {
    ReportCorrupt("the stored record of " + Printable(key) + " was corrupt; started afresh");
    Result<DocumentRecord> blank = RecoverBounds(document_key);
    if (!blank.ok()) return blank.status();
    start = std::move(blank).value();
  } else if (!loaded.status().IsNotFound()) {
    return loaded.status();
  }
  const DocumentRecord* previous = result.previous ? &*result.previous : nullptr;
  Decision decision = Decide(previous, std::move(start), seen,
                             std::max<std::uint32_t>(options.misses_before_removal, 1));

  DocumentRecord& doc = decision.document;
  std::string prefix = HistoryPrefix(document_key);
  rocksdb::WriteBatch batch;
  batch.Put(history, HistoryKey(prefix, doc.history_next_seq++), EncodeCheck(decision.check));
  std::uint64_t max_checks = std::max<std::uint64_t>(options.history_max_checks, 1);
  while (doc.history_next_seq - doc.history_oldest_seq > max_checks) {
    batch.Delete(history, HistoryKey(prefix, doc.history_oldest_seq++));
  }
  result.outcome = decision.outcome;
  result.document = std::move(doc);
  WriteSet writes;
  if (also) {
    if (Status planned = also(result, writes); !planned.ok()) return planned;
  }
  batch.Put(documents, document_key, EncodeDocument(result.document));
  // Appends are numbered and written under one lock, so that they become visible in the
  // order of their numbers (ReadOutbox's `from` relies on it). Checks without index
  // operations never take it.
  std::unique_lock<std::mutex> appending;
  if (writes.appends()) appending = std::unique_lock(append_mutex);
  const std::int64_t outbox_growth = AddWrites(writes, &batch);
  if (Status written = Writing(db->Write(WriteOptions(), &batch)); !written.ok()) return written;
  outbox_size += outbox_growth;
  result.operations_queued = writes.appended();
  return result;
}

std::int64_t StateStore::Impl::AddWrites(WriteSet& writes, rocksdb::WriteBatch* batch) {
  std::int64_t outbox_growth = 0;
  for (WriteSet::Write& write : writes.writes_) {
    switch (write.kind) {
      case WriteSet::Write::Kind::kPut:
        batch->Put(Family(write.table), write.key, write.value);
        break;
      case WriteSet::Write::Kind::kDelete:
        batch->Delete(Family(write.table), write.key);
        break;
      case WriteSet::Write::Kind::kAppend:
        batch->Put(Family(Table::kOutbox), HistoryKey("", next_outbox_sequence++), write.value);
        ++outbox_growth;
        break;
      case WriteSet::Write::Kind::kRemoveFromOutbox:
        batch->Delete(Family(Table::kOutbox), HistoryKey("", write.sequence));
        --outbox_growth;
        break;
    }
  }
  return outbox_growth;
}

// The outbox's next sequence continues after its last entry; its size is counted once.
Status StateStore::Impl::LoadOutboxBounds() {
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions(), Family(Table::kOutbox)));
  std::uint64_t size = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++size;
  if (!it->status().ok()) return Reading(it->status());
  outbox_size = static_cast<std::int64_t>(size);
  it->SeekToLast();
  if (!it->status().ok()) return Reading(it->status());
  if (it->Valid()) next_outbox_sequence = HistorySeq(it->key()) + 1;
  return Status::OK();
}

Result<std::vector<CheckRecord>> StateStore::Impl::History(const DocumentKey& key,
                                                           std::size_t limit) const {
  if (Status valid = ValidateKey(key); !valid.ok()) return valid;
  std::vector<CheckRecord> checks;
  if (limit == 0) return checks;
  std::string prefix = HistoryPrefix(DocumentKeyBytes(key));
  rocksdb::Slice lower(prefix);
  rocksdb::ReadOptions read;
  read.iterate_lower_bound = &lower;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, history));
  for (it->SeekForPrev(HistoryKey(prefix, std::numeric_limits<std::uint64_t>::max()));
       it->Valid() && checks.size() < limit; it->Prev()) {
    std::optional<CheckRecord> check = DecodeCheck(it->value());
    if (check) {
      checks.push_back(std::move(*check));
    } else {
      ReportCorrupt("a stored check of " + Printable(key) + " is corrupt; skipped");
    }
  }
  if (!it->status().ok()) return Reading(it->status());
  return checks;
}

Status StateStore::Impl::ForEachDocument(
    std::string_view source, std::string_view after_uri,
    const std::function<bool(const DocumentKey&, const DocumentRecord&)>& visit) const {
  std::string prefix = std::string(source) + '\0';
  std::string end = PrefixEnd(prefix);
  rocksdb::Slice lower(prefix), upper(end);
  rocksdb::ReadOptions read;
  if (!source.empty()) {
    read.iterate_lower_bound = &lower;
    read.iterate_upper_bound = &upper;
  }
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, documents));
  if (after_uri.empty() || source.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(prefix + std::string(after_uri));
  }
  for (; it->Valid(); it->Next()) {
    DocumentKey key = SplitDocumentKey(it->key());
    if (!after_uri.empty() && key.uri == after_uri) continue;
    std::optional<DocumentRecord> record = DecodeDocument(it->value());
    if (!record) {
      ReportCorrupt("the stored record of " + Printable(key) + " is corrupt; skipped");
      continue;
    }
    if (!visit(key, *record)) return Status::OK();
  }
  return Reading(it->status());
}

Result<std::size_t> StateStore::Impl::PruneHistory(std::int64_t now_ms) {
  if (options.history_max_age_ms <= 0) return std::size_t{0};
  std::int64_t cutoff_ms = now_ms - options.history_max_age_ms;
  std::size_t pruned = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), documents));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::optional<DocumentRecord> record = DecodeDocument(it->value());
    if (!record || record->history_oldest_seq == record->history_next_seq) continue;
    Result<std::size_t> document = PruneDocument(it->key().ToString(), cutoff_ms);
    if (!document.ok()) return document.status();
    pruned += *document;
  }
  if (!it->status().ok()) return Reading(it->status());
  return pruned;
}

// Deletes the document's oldest checks up to the first one at or after the cutoff, so the
// stored seqs stay one contiguous range. Corrupt entries on the way go too.
Result<std::size_t> StateStore::Impl::PruneDocument(const std::string& document_key,
                                                    std::int64_t cutoff_ms) {
  std::lock_guard lock(StripeFor(document_key));
  bool undecodable = false;
  Result<DocumentRecord> record = Load(document_key, &undecodable);
  // Deleted meanwhile, or undecodable (reported where it is used): nothing to prune.
  if (record.status().IsNotFound() || undecodable) return std::size_t{0};
  if (!record.ok()) return record.status();
  std::string prefix = HistoryPrefix(document_key);
  std::string end = PrefixEnd(prefix);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, history));
  rocksdb::WriteBatch batch;
  std::size_t pruned = 0;
  for (it->Seek(HistoryKey(prefix, record->history_oldest_seq));
       it->Valid() && record->history_oldest_seq < record->history_next_seq; it->Next()) {
    if (HistorySeq(it->key()) >= record->history_next_seq) break;
    std::optional<CheckRecord> check = DecodeCheck(it->value());
    if (check && check->time_ms >= cutoff_ms) break;
    batch.Delete(history, it->key());
    record->history_oldest_seq = HistorySeq(it->key()) + 1;
    ++pruned;
  }
  if (!it->status().ok()) return Reading(it->status());
  if (pruned == 0) return std::size_t{0};
  batch.Put(documents, document_key, EncodeDocument(*record));
  if (Status written = Writing(db->Write(WriteOptions(), &batch)); !written.ok()) return written;
  return pruned;
}

Status StateStore::Impl::SetVolatileMasks(const DocumentKey& key,
                                          const std::vector<std::string>& masks,
                                          const std::string& expected_hash,
                                          const std::string& masked_hash) {
  if (Status valid = ValidateKey(key); !valid.ok()) return valid;
  std::string document_key = DocumentKeyBytes(key);
  std::lock_guard lock(StripeFor(document_key));
  bool undecodable = false;
  Result<DocumentRecord> record = Load(document_key, &undecodable);
  if (undecodable) ReportCorrupt("the stored record of " + Printable(key) + " is corrupt");
  if (!record.ok()) return record.status();
  if (!IsPresent(&*record)) return Status::NotFound("no present document " + Printable(key));
  record->volatile_masks = masks;
  if (record->content_hash == expected_hash) record->content_hash = masked_hash;
  return Writing(db->Put(WriteOptions(), documents, document_key, EncodeDocument(*record)));
}

// ---------------------------------------------------------------------------------------

StateStore::StateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateStore::~StateStore() = default;

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& dir,
                                                     const StoreOptions& options) {
  bool exists = false;
  if (Status prepared = PrepareFolder(dir, &exists); !prepared.ok()) return prepared;
  std::vector<std::string> existing;
  if (exists) {
    rocksdb::Status status =
        rocksdb::DB::ListColumnFamilies(MakeDbOptions(options.env), dir, &existing);
    if (!status.ok()) return OpenFailure(dir, status);
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  impl->cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  if (Status opened = impl->OpenDb(existing); !opened.ok()) return opened;
  if (Status schema = impl->CheckSchema(); !schema.ok()) return schema;
  if (Status bounds = impl->LoadOutboxBounds(); !bounds.ok()) return bounds;
  return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

Result<RecordResult> StateStore::Record(const DocumentKey& key, const Observation& observation) {
  return impl_->Record(key, observation, nullptr);
}

Result<RecordResult> StateStore::Record(const DocumentKey& key, const Observation& observation,
                                        const AlsoWrite& also) {
  return impl_->Record(key, observation, also);
}

Status StateStore::Apply(WriteSet& writes) {
  rocksdb::WriteBatch batch;
  std::unique_lock<std::mutex> appending;
  if (writes.appends()) appending = std::unique_lock(impl_->append_mutex);
  const std::int64_t outbox_growth = impl_->AddWrites(writes, &batch);
  Status written = impl_->Writing(impl_->db->Write(Impl::WriteOptions(), &batch));
  if (written.ok()) impl_->outbox_size += outbox_growth;
  return written;
}

Result<std::string> StateStore::Get(Table table, std::string_view key) const {
  std::string value;
  rocksdb::Status status =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->Family(table), rocksdb::Slice(key), &value);
  if (!status.ok()) return impl_->Reading(status);
  return value;
}

Result<bool> StateStore::Has(Table table, std::string_view key) const {
  rocksdb::PinnableSlice value;
  rocksdb::Status status =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->Family(table), rocksdb::Slice(key), &value);
  if (status.IsNotFound()) return false;
  if (!status.ok()) return impl_->Reading(status);
  return true;
}

Status StateStore::Scan(
    Table table, std::string_view prefix, std::string_view after,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->Family(table)));
  if (after.empty() || after < prefix) {
    it->Seek(rocksdb::Slice(prefix));
  } else {
    it->Seek(rocksdb::Slice(after));
    if (it->Valid() && it->key() == rocksdb::Slice(after)) it->Next();
  }
  for (; it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(prefix)) return Status::OK();
    if (!visit(key, std::string_view(it->value().data(), it->value().size()))) {
      return Status::OK();
    }
  }
  return impl_->Reading(it->status());
}

Result<std::vector<OutboxEntry>> StateStore::ReadOutbox(std::size_t limit,
                                                        std::uint64_t from) const {
  std::vector<OutboxEntry> entries;
  const std::string lower = HistoryKey("", from);
  const rocksdb::Slice lower_bound(lower);
  rocksdb::ReadOptions read;
  read.iterate_lower_bound = &lower_bound;  // the tombstones before it are never walked
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(read, impl_->Family(Table::kOutbox)));
  for (it->Seek(lower); it->Valid() && entries.size() < limit; it->Next()) {
    entries.push_back({HistorySeq(it->key()), it->value().ToString()});
  }
  if (!it->status().ok()) return impl_->Reading(it->status());
  return entries;
}

std::uint64_t StateStore::OutboxSize() const {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, impl_->outbox_size));
}

void WriteSet::Put(Table table, std::string key, std::string value) {
  writes_.push_back({Write::Kind::kPut, table, std::move(key), std::move(value)});
}

void WriteSet::Delete(Table table, std::string key) {
  writes_.push_back({Write::Kind::kDelete, table, std::move(key), ""});
}

void WriteSet::AppendToOutbox(std::string operation) {
  ++appends_;
  writes_.push_back({Write::Kind::kAppend, Table::kOutbox, "", std::move(operation)});
}

void WriteSet::RemoveFromOutbox(std::uint64_t sequence) {
  writes_.push_back({Write::Kind::kRemoveFromOutbox, Table::kOutbox, "", "", sequence});
}

Status StateStore::MarkUnindexed(std::string_view source) {
  std::vector<DocumentKey> keys;
  Status scanned =
      ForEachDocument(source, [&](const DocumentKey& key, const DocumentRecord& record) {
        if (record.indexed) keys.push_back(key);
        return true;
      });
  if (!scanned.ok()) return scanned;
  for (const DocumentKey& key : keys) {
    const std::string document_key = DocumentKeyBytes(key);
    std::lock_guard lock(impl_->StripeFor(document_key));
    bool undecodable = false;
    Result<DocumentRecord> record = impl_->Load(document_key, &undecodable);
    // Gone or undecodable since the scan: nothing to mark (the latter starts afresh anyway).
    if (record.status().IsNotFound() || undecodable) continue;
    if (!record.ok()) return record.status();
    record->indexed = false;
    Status written = impl_->Writing(impl_->db->Put(Impl::WriteOptions(), impl_->documents,
                                                   document_key, EncodeDocument(*record)));
    if (!written.ok()) return written;
  }
  return Status::OK();
}

Result<DocumentRecord> StateStore::Get(const DocumentKey& key) const {
  if (Status valid = ValidateKey(key); !valid.ok()) return valid;
  bool undecodable = false;
  Result<DocumentRecord> record = impl_->Load(DocumentKeyBytes(key), &undecodable);
  if (undecodable) {
    impl_->ReportCorrupt("the stored record of " + Printable(key) + " is corrupt");
    return Status::Corruption("the stored record of " + Printable(key) + " is corrupt");
  }
  return record;
}

Result<std::vector<CheckRecord>> StateStore::History(const DocumentKey& key,
                                                     std::size_t limit) const {
  return impl_->History(key, limit);
}

Status StateStore::ForEachDocument(
    std::string_view source,
    const std::function<bool(const DocumentKey&, const DocumentRecord&)>& visit) const {
  return impl_->ForEachDocument(source, "", visit);
}

Status StateStore::ForEachDocumentAfter(
    std::string_view source, std::string_view after_uri,
    const std::function<bool(const DocumentKey&, const DocumentRecord&)>& visit) const {
  return impl_->ForEachDocument(source, after_uri, visit);
}

Result<std::size_t> StateStore::PruneHistory(std::int64_t now_ms) {
  return impl_->PruneHistory(now_ms);
}

Status StateStore::SyncWal() {
  return FromRocks(impl_->db->SyncWAL(), "cannot sync the log of", impl_->dir);
}

void StateStore::ReportCorrupt(const std::string& message) const { impl_->ReportCorrupt(message); }

Status StateStore::PutValue(const std::string& key, const std::string& value) {
  if (key.rfind("schema", 0) == 0) {
    return Status::InvalidArgument("the key '" + key + "' is reserved");
  }
  return impl_->Writing(impl_->db->Put(rocksdb::WriteOptions(), impl_->meta, key, value));
}

Result<std::string> StateStore::GetValue(const std::string& key) const {
  std::string value;
  rocksdb::Status status = impl_->db->Get(rocksdb::ReadOptions(), impl_->meta, key, &value);
  if (!status.ok()) return impl_->Reading(status);
  return value;
}

Status StateStore::SetVolatileMasks(const DocumentKey& key, const std::vector<std::string>& masks,
                                    const std::string& expected_hash,
                                    const std::string& masked_hash) {
  return impl_->SetVolatileMasks(key, masks, expected_hash, masked_hash);
}

}  // namespace freshd::store
