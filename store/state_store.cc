#include "store/state_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <limits>
#include <mutex>
#include <utility>

#include "store/codecs.h"
#include "store/db_write.h"
#include "store/decide.h"
#include "store/keys.h"
#include "store/open.h"
#include "store/outbox.h"

namespace freshd::store {
namespace {

constexpr char kDocumentsFamily[] = "documents";
constexpr char kHistoryFamily[] = "history";
// The outbox kept the name it had when the RAG side's tables were the store's.
constexpr char kOutboxFamily[] = "rag_outbox";
constexpr std::size_t kOwnFamilies = 4;  // default (values), documents, history, outbox
constexpr std::size_t kLockStripes = 64;

// A declared table must be named, and neither one of the store's families nor declared twice.
Status ValidateTable(const std::vector<Family>& families, const TableSpec& table) {
  if (table.name.empty()) return Status::InvalidArgument("a declared table has no name");
  for (const Family& family : families) {
    if (family.name == table.name) {
      return Status::InvalidArgument("the table '" + table.name +
                                     "' is declared twice or is one of the store's own");
    }
  }
  return Status::OK();
}

Status UnknownTable() {
  return Status::InvalidArgument("a table handle this store did not give (see FindTable)");
}

}  // namespace

struct DocumentTransaction::State {
  std::unique_lock<std::mutex> lock;  // the document's stripe, until the end
  std::string document_key;
  rocksdb::WriteBatch batch;  // the check and the history it trims
  RecordResult result;
  WriteSet writes;
};

struct StateStore::Impl {
  std::string dir;
  StoreOptions options;
  std::shared_ptr<rocksdb::Cache> cache;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // every family, owned
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* documents = nullptr;
  rocksdb::ColumnFamilyHandle* history = nullptr;
  std::vector<std::string> table_names;              // declared, in TableId order
  std::vector<rocksdb::ColumnFamilyHandle*> tables;  // the same order; owned by handles
  std::unique_ptr<Outbox> outbox;
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

  // The stored record: NotFound when absent, Corruption when present but undecodable (then
  // *undecodable is set: unlike a block RocksDB cannot read, such a record may be replaced).
  Result<DocumentRecord> Load(const std::string& document_key, bool* undecodable = nullptr) const;
  Result<DocumentRecord> RecoverBounds(const std::string& document_key) const;
  Result<DocumentTransaction> Begin(const DocumentKey& key, const Observation& seen);
  Result<RecordResult> Commit(DocumentTransaction::State& state);
  // Null for a TableId this store did not give.
  rocksdb::ColumnFamilyHandle* Family(TableId table) const {
    return table.index_ < tables.size() ? tables[table.index_] : nullptr;
  }
  Status Commit(rocksdb::WriteBatch& batch, WriteSet& writes) {
    return outbox->Commit(
        batch, writes, [this](TableId table) { return Family(table); }, WriteOptions());
  }
  Result<std::vector<CheckRecord>> History(const DocumentKey& key, std::size_t limit) const;
  Status ForEachDocument(
      std::string_view source, std::string_view after_uri,
      const std::function<bool(const DocumentKey&, const DocumentRecord&)>& visit) const;
  Result<std::size_t> PruneHistory(std::int64_t now_ms);
  Status SetVolatileMasks(const DocumentKey& key, const std::vector<std::string>& masks,
                          const std::string& expected_hash, const std::string& masked_hash);
  Result<std::size_t> PruneDocument(const std::string& document_key, std::int64_t cutoff_ms);
};

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
  blank.history_oldest_seq = HistorySeq(it->key().ToStringView());
  it->SeekToLast();
  if (!it->status().ok()) return Reading(it->status());
  if (it->Valid()) blank.history_next_seq = HistorySeq(it->key().ToStringView()) + 1;
  blank.history_next_seq = std::max(blank.history_next_seq, blank.history_oldest_seq);
  return blank;
}

Result<DocumentTransaction> StateStore::Impl::Begin(const DocumentKey& key,
                                                    const Observation& seen) {
  if (Status valid = ValidateKey(key); !valid.ok()) return valid;
  if (seen.kind == Observation::Kind::kFetched && seen.content_hash.empty()) {
    return Status::InvalidArgument("a fetched observation needs a content hash");
  }
  auto state = std::make_unique<DocumentTransaction::State>();
  state->document_key = DocumentKeyBytes(key);
  state->lock = std::unique_lock(StripeFor(state->document_key));
  RecordResult& result = state->result;
  bool undecodable = false;
  Result<DocumentRecord> loaded = Load(state->document_key, &undecodable);
  DocumentRecord start;
  if (loaded.ok()) {
    result.previous = loaded.value();
    start = std::move(loaded).value();
  } else if (undecodable) {
    ReportCorrupt("the stored record of " + Printable(key) + " was corrupt; started afresh");
    Result<DocumentRecord> blank = RecoverBounds(state->document_key);
    if (!blank.ok()) return blank.status();
    start = std::move(blank).value();
  } else if (!loaded.status().IsNotFound()) {
    return loaded.status();
  }
  const DocumentRecord* previous = result.previous ? &*result.previous : nullptr;
  Decision decision = Decide(previous, std::move(start), seen,
                             std::max<std::uint32_t>(options.misses_before_removal, 1));
  DocumentRecord& doc = decision.document;
  const std::string prefix = HistoryPrefix(state->document_key);
  state->batch.Put(history, HistoryKey(prefix, doc.history_next_seq++),
                   EncodeCheck(decision.check));
  const std::uint64_t max_checks = std::max<std::uint64_t>(options.history_max_checks, 1);
  while (doc.history_next_seq - doc.history_oldest_seq > max_checks) {
    state->batch.Delete(history, HistoryKey(prefix, doc.history_oldest_seq++));
  }
  result.outcome = decision.outcome;
  result.document = std::move(doc);
  return DocumentTransaction(std::move(state));
}

Result<RecordResult> StateStore::Impl::Commit(DocumentTransaction::State& state) {
  state.batch.Put(documents, state.document_key, EncodeDocument(state.result.document));
  // The outbox numbers the appends and keeps them visible in order (see outbox.h).
  if (Status written = Commit(state.batch, state.writes); !written.ok()) return written;
  state.result.operations_queued = state.writes.appended();
  return std::move(state.result);
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
    std::optional<CheckRecord> check = DecodeCheck(it->value().ToStringView());
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
    DocumentKey key = SplitDocumentKey(it->key().ToStringView());
    if (!after_uri.empty() && key.uri == after_uri) continue;
    std::optional<DocumentRecord> record = DecodeDocument(it->value().ToStringView());
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
    std::optional<DocumentRecord> record = DecodeDocument(it->value().ToStringView());
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
    if (HistorySeq(it->key().ToStringView()) >= record->history_next_seq) break;
    std::optional<CheckRecord> check = DecodeCheck(it->value().ToStringView());
    if (check && check->time_ms >= cutoff_ms) break;
    batch.Delete(history, it->key());
    record->history_oldest_seq = HistorySeq(it->key().ToStringView()) + 1;
    ++pruned;
  }
  if (!it->status().ok()) return Reading(it->status());
  if (pruned == 0) return std::size_t{0};
  batch.Put(documents, document_key, EncodeDocument(*record));
  if (Status written = Writing(WriteToDb(*db, WriteOptions(), batch)); !written.ok())
    return written;
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
  return Writing(PutToDb(*db, WriteOptions(), documents, document_key, EncodeDocument(*record)));
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
  std::vector<Family> families = {{rocksdb::kDefaultColumnFamilyName},
                                  {kDocumentsFamily, /*busy=*/true, /*bloom=*/true},
                                  {kHistoryFamily, /*busy=*/true},
                                  {kOutboxFamily}};
  for (const TableSpec& table : options.tables) {
    if (Status valid = ValidateTable(families, table); !valid.ok()) return valid;
    families.push_back({table.name, table.frequently_written});
    impl->table_names.push_back(table.name);
  }
  Status opened =
      OpenDb(dir, options.env, impl->cache, families, existing, &impl->db, &impl->handles);
  if (!opened.ok()) return opened;
  impl->meta = impl->handles[0];
  impl->documents = impl->handles[1];
  impl->history = impl->handles[2];
  impl->tables.assign(impl->handles.begin() + kOwnFamilies,
                      impl->handles.begin() + kOwnFamilies + options.tables.size());
  Status schema = CheckSchema(*impl->db, impl->meta, impl->handles, dir, kSchemaVersion);
  if (!schema.ok()) return schema;
  impl->outbox = std::make_unique<Outbox>(*impl->db, impl->handles[3], dir);
  if (Status loaded = impl->outbox->Load(); !loaded.ok()) return loaded;
  return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

Result<RecordResult> StateStore::Record(const DocumentKey& key, const Observation& observation) {
  Result<DocumentTransaction> transaction = Begin(key, observation);
  if (!transaction.ok()) return transaction.status();
  return Commit(std::move(transaction).value());
}

Result<DocumentTransaction> StateStore::Begin(const DocumentKey& key,
                                              const Observation& observation) {
  return impl_->Begin(key, observation);
}

Result<RecordResult> StateStore::Commit(DocumentTransaction transaction) {
  return impl_->Commit(*transaction.state_);
}

DocumentTransaction::DocumentTransaction(std::unique_ptr<State> state) : state_(std::move(state)) {}
DocumentTransaction::DocumentTransaction(DocumentTransaction&&) noexcept = default;
DocumentTransaction& DocumentTransaction::operator=(DocumentTransaction&&) noexcept = default;
DocumentTransaction::~DocumentTransaction() = default;
RecordResult& DocumentTransaction::decided() { return state_->result; }
WriteSet& DocumentTransaction::writes() { return state_->writes; }

Status StateStore::Apply(WriteSet& writes) {
  rocksdb::WriteBatch batch;
  return impl_->Commit(batch, writes);
}

Result<TableId> StateStore::FindTable(std::string_view name) const {
  const std::vector<std::string>& names = impl_->table_names;
  auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end()) {
    return Status::NotFound("no table '" + std::string(name) + "' was declared in the store " +
                            impl_->dir);
  }
  return TableId(static_cast<std::uint32_t>(found - names.begin()));
}

Result<std::string> StateStore::Get(TableId table, std::string_view key) const {
  rocksdb::ColumnFamilyHandle* family = impl_->Family(table);
  if (family == nullptr) return UnknownTable();
  std::string value;
  rocksdb::Status status =
      impl_->db->Get(rocksdb::ReadOptions(), family, rocksdb::Slice(key), &value);
  if (!status.ok()) return impl_->Reading(status);
  return value;
}

Result<bool> StateStore::Has(TableId table, std::string_view key) const {
  rocksdb::ColumnFamilyHandle* family = impl_->Family(table);
  if (family == nullptr) return UnknownTable();
  rocksdb::PinnableSlice value;
  rocksdb::Status status =
      impl_->db->Get(rocksdb::ReadOptions(), family, rocksdb::Slice(key), &value);
  if (status.IsNotFound()) return false;
  if (!status.ok()) return impl_->Reading(status);
  return true;
}

Status StateStore::Scan(
    TableId table, std::string_view prefix, std::string_view after,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) const {
  rocksdb::ColumnFamilyHandle* family = impl_->Family(table);
  if (family == nullptr) return UnknownTable();
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), family));
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
  return impl_->outbox->Read(limit, from);
}

std::uint64_t StateStore::OutboxSize() const { return impl_->outbox->Size(); }

void WriteSet::Put(TableId table, std::string key, std::string value) {
  writes_.push_back({Write::Kind::kPut, table, std::move(key), std::move(value)});
}

void WriteSet::Delete(TableId table, std::string key) {
  writes_.push_back({Write::Kind::kDelete, table, std::move(key), ""});
}

void WriteSet::AppendToOutbox(std::string operation) {
  ++appends_;
  writes_.push_back({Write::Kind::kAppend, TableId(), "", std::move(operation)});
}

void WriteSet::RemoveFromOutbox(std::uint64_t sequence) {
  writes_.push_back({Write::Kind::kRemoveFromOutbox, TableId(), "", "", sequence});
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
    Status written = impl_->Writing(PutToDb(*impl_->db, Impl::WriteOptions(), impl_->documents,
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
  return impl_->Writing(PutToDb(*impl_->db, rocksdb::WriteOptions(), impl_->meta, key, value));
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
