// A document's records: the transaction of a check (begin, decide, commit), its history,
// pruning, volatile masks.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <utility>

#include "store/codecs.h"
#include "store/db_write.h"
#include "store/decide.h"
#include "store/keys.h"
#include "store/open.h"
#include "store/store_impl.h"

namespace freshd::store {

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

}  // namespace freshd::store
