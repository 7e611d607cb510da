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
#include "store/store_impl.h"

namespace freshd::store {
namespace {

constexpr char kDocumentsFamily[] = "documents";
constexpr char kHistoryFamily[] = "history";
// The outbox kept the name it had when the RAG side's tables were the store's.
constexpr char kOutboxFamily[] = "rag_outbox";
constexpr std::size_t kOwnFamilies = 4;  // default (values), documents, history, outbox

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
