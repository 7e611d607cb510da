// freshd's durable state in RocksDB under state_dir: one record per document, a bounded
// history of checks per document, small named values with the schema version, and an outbox
// of operations in order. The store knows nothing of HTTP: it is told what a check observed
// and decides whether that is a change. Nor does it know its clients' tables: they declare
// them when opening (StoreOptions::tables) and give them their meaning.
//
// Errors: NotFound means known to be absent. A read that failed says IOError (the disk)
// or Corruption (bytes that do not decode), never NotFound, so that no caller takes a
// failure for "nothing there". A corrupt record met in a scan is reported through
// StoreOptions::on_corrupt_record and set aside (skipped); it never stops the store. A
// failure returned as a Status is not reported there too: the caller counts it.
//
// Durability: every write goes to RocksDB's write-ahead log before it returns, so a
// process crash or `kill -9` loses nothing written; SyncWal() (called every second by the
// daemon) bounds what a power loss can take.
//
// Threads: every method may be called from any thread. Checks of one document (Record,
// Begin..Commit) and PruneHistory take that document's lock; reads take none.
//
// This is the store's only public header. The others are private: keys.h (key encodings),
// codecs.h (record encodings; also used by fuzz/store_records_fuzzer.cc), decide.h (the
// pure decision; also used by tests/store), open.h (opening and the schema version) and
// outbox.h (numbering and visibility of outbox appends).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rocksdb {
class Env;
}

namespace freshd::store {

class Outbox;  // store/outbox.h

// A document's identity: (source name, URI). For directory sources the URI is file://...
struct DocumentKey {
  std::string source;
  std::string uri;
};

enum class CheckOutcome : std::uint8_t {
  kNew = 0,          // first successful fetch of the document
  kChanged = 1,      // normalized content hash differs from the stored one
  kUnchanged = 2,    // fetched, same hash
  kNotModified = 3,  // 304, or file mtime and size unchanged: content not fetched
  kError = 4,
  kRemoved = 5,  // gone on two consecutive checks (404/410, dropped from its listing, deleted)
  kMissing = 6,  // gone on this check only: not removed yet (a glitch must not delete)
};
std::string_view ToString(CheckOutcome outcome);

// What one check saw.
struct Observation {
  enum class Kind { kFetched, kNotModified, kError, kGone };
  Kind kind = Kind::kFetched;
  std::int64_t time_ms = 0;      // when the check completed (Unix ms)
  std::string content_hash;      // kFetched
  std::string etag;              // kFetched: validators to send next time
  std::string last_modified;     // kFetched
  std::int64_t modified_ms = 0;  // source-reported modification time, 0 if unknown
  bool unsupported = false;      // kFetched: binary data freshd has no text of (not indexed)
  // kFetched, where the source has them (git): the version the text was read at (a commit
  // id), the document's path in it, and a link to it at that version; for chunk metadata.
  std::string revision;
  std::string path;
  std::string link;
  std::string error_reason;   // kError: the FetchError label ("timeout", ...)
  std::string error_message;  // kError
};

struct CheckRecord {
  std::int64_t time_ms = 0;
  CheckOutcome outcome = CheckOutcome::kNew;
  std::string content_hash;  // after the check ("" for errors and removals)
  std::int64_t modified_ms = 0;
  std::string error_reason;  // kError
};

struct DocumentRecord {
  std::string etag;
  std::string last_modified;
  std::string content_hash;  // "" until the first successful fetch
  std::int64_t modified_ms = 0;
  std::int64_t first_seen_ms = 0;
  std::int64_t last_check_ms = 0;
  std::int64_t last_change_ms = 0;  // time of the last kNew/kChanged/kRemoved
  std::uint64_t checks = 0;
  std::uint64_t changes = 0;
  std::uint64_t errors = 0;
  std::uint32_t consecutive_errors = 0;
  std::uint32_t consecutive_misses = 0;  // checks in a row that found it gone
  std::string last_error;  // "reason: message" of the last error, "" once it succeeds again
  bool removed = false;    // a removed document keeps no validators: its next fetch is full
  // Patterns of the document's volatile text (a clock, a token), learned by fetching it
  // twice seconds apart, and masked before hashing.
  std::vector<std::string> volatile_masks;
  // The RAG side holds this document's current chunks (set by whoever writes them in the
  // check's transaction, see DocumentTransaction): a document not indexed is fetched in full.
  bool indexed = false;
  bool unsupported = false;  // its last fetch was binary data of no format freshd reads
  std::string revision;      // Observation::revision, path and link of its last fetch
  std::string path;
  std::string link;
  std::uint64_t history_next_seq = 0;  // internal: history ring bounds
  std::uint64_t history_oldest_seq = 0;
};

// A client's table: a column family of its own beside the store's (documents, history,
// values, outbox). The store gives its entries no meaning; clients declare their tables in
// StoreOptions::tables and find their handles with StateStore::FindTable.
struct TableSpec {
  std::string name;  // the column family's name; stable: renaming it loses the table's data
  bool frequently_written = false;  // gets a larger write buffer (fewer, larger flushes)
};

// A handle to a declared table, from StateStore::FindTable: valid for the store that gave it.
// A default-constructed one names no table: using it fails with InvalidArgument.
class TableId {
 public:
  TableId() = default;
  bool valid() const { return index_ != kNone; }
  friend bool operator==(TableId, TableId) = default;

 private:
  friend class StateStore;
  static constexpr std::uint32_t kNone = 0xffffffff;
  explicit TableId(std::uint32_t index) : index_(index) {}
  std::uint32_t index_ = kNone;
};

// Writes to the tables, collected, then applied in one atomic WriteBatch: alone with
// StateStore::Apply, or together with a check through a DocumentTransaction.
class WriteSet {
 public:
  // Writes to a table; an invalid or unknown TableId fails the whole set when it is applied.
  void Put(TableId table, std::string key, std::string value);
  void Delete(TableId table, std::string key);
  // Appends to the outbox: the store gives it the next sequence number when it is applied.
  void AppendToOutbox(std::string operation);
  // Removes an acknowledged operation.
  void RemoveFromOutbox(std::uint64_t sequence);
  bool empty() const { return writes_.empty(); }
  bool appends() const { return appends_ > 0; }
  std::size_t appended() const { return appends_; }  // operations added to the outbox
  std::size_t size() const { return writes_.size(); }

 private:
  friend class StateStore;
  friend class Outbox;
  struct Write {
    enum class Kind { kPut, kDelete, kAppend, kRemoveFromOutbox } kind;
    TableId table;
    std::string key;
    std::string value;
    std::uint64_t sequence = 0;
  };
  std::vector<Write> writes_;
  std::size_t appends_ = 0;
};

struct OutboxEntry {
  std::uint64_t sequence = 0;  // increasing in the order of appending
  std::string operation;
};

struct StoreOptions {
  std::size_t history_max_checks = 1000;               // per document (at least 1 is kept)
  std::int64_t history_max_age_ms = 400LL * 86400000;  // enforced by PruneHistory(); <= 0: none
  std::size_t block_cache_bytes = 32u << 20;           // shared by all column families
  // A present document found gone (404/410, dropped from its listing, file deleted) is
  // removed on this many consecutive such checks; before that it is only kMissing.
  std::uint32_t misses_before_removal = 2;
  // Told about every stored record that cannot be decoded (it is skipped, never fatal).
  // May be called from any thread that uses the store, under its locks: it must not call
  // back into the store. May be empty.
  std::function<void(const std::string& message)> on_corrupt_record;
  // The clients' tables, opened (created when missing) with the store. A table on disk but
  // not declared is kept and opened, but FindTable does not give it. The store's own
  // families ("default", "documents", "history", "rag_outbox") cannot be declared.
  std::vector<TableSpec> tables;
  // Tests only: the RocksDB environment to run on (a fault-injecting one); null for the
  // default. Must outlive the store.
  rocksdb::Env* env = nullptr;
};

struct RecordResult {
  // Index operations this check's batch added to the outbox.
  std::size_t operations_queued = 0;
  CheckOutcome outcome = CheckOutcome::kNew;
  DocumentRecord document;  // as stored after the check
  std::optional<DocumentRecord> previous;
};

// One check in the making (StateStore::Begin). Movable, not copyable.
class DocumentTransaction {
 public:
  DocumentTransaction(DocumentTransaction&&) noexcept;
  DocumentTransaction& operator=(DocumentTransaction&&) noexcept;
  ~DocumentTransaction();  // releases the document's lock; writes nothing unless committed

  // The decided outcome, the document record to store and the previous one.
  RecordResult& decided();
  // Writes to the tables and the outbox, committed with the check.
  WriteSet& writes();

 private:
  friend class StateStore;
  struct State;
  explicit DocumentTransaction(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class StateStore {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens or creates the store in `dir`. Refuses (a Status saying why) on corruption, a
  // schema version it does not know, or a folder holding other files than a store, never
  // silently rewriting.
  static Result<std::unique_ptr<StateStore>> Open(const std::string& dir,
                                                  const StoreOptions& options);
  ~StateStore();

  // Decides the outcome from the stored record, then writes the check record and the
  // updated document record in one atomic WriteBatch. Callers must not record two
  // observations of the same document concurrently (their order would be arbitrary);
  // different documents are fine. Fails (writing nothing) when the stored record cannot
  // be read; a corrupt one is reported and the document starts afresh.
  Result<RecordResult> Record(const DocumentKey& key, const Observation& observation);

  // A check with writes of its own, in three steps: Begin reads the stored record and
  // decides the outcome; the caller adds its writes to the transaction (and may set
  // decided().document.indexed); Commit writes the check, the document record and those
  // writes in one atomic WriteBatch, so that a change and the index operations it causes are
  // never apart. The document's lock is held from Begin to Commit (or the transaction's
  // end): between them, do not begin another transaction on the same thread. The caller may
  // read the store meanwhile. A transaction dropped without Commit writes nothing.
  Result<DocumentTransaction> Begin(const DocumentKey& key, const Observation& observation);
  // Commits a transaction this store began. Says what it queued
  // (RecordResult::operations_queued); on failure nothing is written.
  Result<RecordResult> Commit(DocumentTransaction transaction);

  // Applies writes to the tables alone, atomically.
  Status Apply(WriteSet& writes);

  // The handle of a table declared in StoreOptions::tables; NotFound for any other name.
  Result<TableId> FindTable(std::string_view name) const;

  // Reads of a table: InvalidArgument for a TableId this store did not give.
  // NotFound when the key is not there.
  Result<std::string> Get(TableId table, std::string_view key) const;
  // Whether the key is there, without copying its value.
  Result<bool> Has(TableId table, std::string_view key) const;

  // Visits the table's entries whose key starts with `prefix`, in key order, from the first
  // key after `after` (all when empty), until `visit` returns false. Not OK when the scan
  // was cut short by a failed read: then the visits seen so far are not the whole table.
  Status Scan(TableId table, std::string_view prefix, std::string_view after,
              const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

  // The oldest operations of the outbox from sequence `from` on, at most `limit`. Appends
  // become visible in the order of their sequences, so a single reader that removed
  // everything before `from` may start there (and skip the tombstones of what it removed).
  Result<std::vector<OutboxEntry>> ReadOutbox(std::size_t limit, std::uint64_t from = 0) const;
  std::uint64_t OutboxSize() const;

  // NotFound when there is none; Corruption when it cannot be decoded (then reported too).
  Result<DocumentRecord> Get(const DocumentKey& key) const;

  // Stores masks learned for a present document. When its content hash is still
  // `expected_hash` (nothing was recorded since the text the masks were learned on), the
  // hash becomes `masked_hash`, that text's hash under the masks; otherwise only the masks
  // are stored. Not a check: no history entry, no change. NotFound when the document is gone.
  Status SetVolatileMasks(const DocumentKey& key, const std::vector<std::string>& masks,
                          const std::string& expected_hash, const std::string& masked_hash);

  // Newest first, at most `limit`. Corrupt entries are reported and skipped.
  Result<std::vector<CheckRecord>> History(const DocumentKey& key, std::size_t limit) const;

  // Visits every document of `source` (all sources when empty) in key order until `visit`
  // returns false. Corrupt records are reported and skipped; not OK when a failed read cut
  // the scan short.
  Status ForEachDocument(
      std::string_view source,
      const std::function<bool(const DocumentKey&, const DocumentRecord&)>& visit) const;

  // The same for one source's documents whose URI sorts after `after_uri`: a page of a
  // large source costs a seek, not a scan from its start.
  Status ForEachDocumentAfter(
      std::string_view source, std::string_view after_uri,
      const std::function<bool(const DocumentKey&, const DocumentRecord&)>& visit) const;

  // Marks every document of a source not indexed (its chunks left the RAG side).
  Status MarkUnindexed(std::string_view source);

  // Deletes history entries older than the configured age. Returns how many.
  Result<std::size_t> PruneHistory(std::int64_t now_ms);

  Status SyncWal();

  // For clients that find a value of their own tables undecodable: reported like the
  // store's own corrupt records (StoreOptions::on_corrupt_record), so that it is counted.
  void ReportCorrupt(const std::string& message) const;

  // Small named values that must survive restarts (the advisor's hysteresis, for one),
  // kept beside the schema version. Keys starting with "schema" are reserved. GetValue says
  // NotFound when the value was never put.
  Status PutValue(const std::string& key, const std::string& value);
  Result<std::string> GetValue(const std::string& key) const;

 private:
  struct Impl;
  explicit StateStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshd::store
