#include "store/open.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <string_view>

#include "store/db_write.h"

namespace freshd::store {
namespace {

constexpr char kSchemaKey[] = "schema_version";

bool IsStoreLeftover(const std::string& name) {
  static constexpr std::array<std::string_view, 5> kPrefixes = {"LOG", "MANIFEST-", "OPTIONS-",
                                                                "IDENTITY", "LOCK"};
  for (std::string_view prefix : kPrefixes) {
    if (name.starts_with(prefix)) return true;
  }
  return name == "lost+found" || name.ends_with(".log") || name.ends_with(".dbtmp");
}

rocksdb::CompressionType PickCompression() {
  std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  for (rocksdb::CompressionType wanted : {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (std::find(supported.begin(), supported.end(), wanted) != supported.end()) return wanted;
  }
  return rocksdb::kNoCompression;
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

bool IsBlank(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), handle));
    it->SeekToFirst();
    if (it->Valid() || !it->status().ok()) return false;
  }
  return true;
}

}  // namespace

Status FromRocks(const rocksdb::Status& status, std::string_view what, const std::string& dir) {
  if (status.ok()) return Status::OK();
  std::string message = std::string(what) + " the state store " + dir + ": " + status.ToString();
  if (status.IsNotFound()) return Status::NotFound(message);
  if (status.IsCorruption()) return Status::Corruption(message);
  return Status::IOError(message);
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

Status OpenDb(const std::string& dir, rocksdb::Env* env,
              const std::shared_ptr<rocksdb::Cache>& cache, std::vector<Family> families,
              const std::vector<std::string>& existing, std::unique_ptr<rocksdb::DB>* db,
              std::vector<rocksdb::ColumnFamilyHandle*>* handles) {
  for (const std::string& name : existing) {
    auto same = [&](const Family& family) { return family.name == name; };
    if (std::none_of(families.begin(), families.end(), same)) families.push_back({name});
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const Family& family : families) {
    const std::size_t write_buffer = family.busy ? 16u << 20 : 4u << 20;
    descriptors.emplace_back(family.name, MakeFamilyOptions(cache, write_buffer, family.bloom));
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(MakeDbOptions(env), dir, descriptors, handles, &raw);
  db->reset(raw);
  return status.ok() ? Status::OK() : OpenFailure(dir, status);
}

Status CheckSchema(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta,
                   const std::vector<rocksdb::ColumnFamilyHandle*>& handles, const std::string& dir,
                   int version) {
  std::string value;
  rocksdb::Status status = db.Get(rocksdb::ReadOptions(), meta, kSchemaKey, &value);
  const bool fresh = status.IsNotFound();
  if (fresh) {
    // A store created by an interrupted first start is blank; anything else is not ours.
    if (!IsBlank(db, handles)) {
      return Status::InvalidArgument(
          "state store " + dir +
          " holds data but no schema version: it was not written by freshd; refusing "
          "to open it");
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    status = PutToDb(db, sync, meta, kSchemaKey, std::to_string(version));
  }
  if (!status.ok()) return OpenFailure(dir, status);
  if (fresh) return Status::OK();
  int stored = 0;
  auto [end, parse_error] = std::from_chars(value.data(), value.data() + value.size(), stored);
  if (parse_error != std::errc() || end != value.data() + value.size()) {
    return Status::Corruption("state store " + dir + " has an unreadable schema version ('" +
                              Excerpt(value) + "'); refusing to open it");
  }
  if (stored != version) {
    return Status::InvalidArgument(
        "state store " + dir + " has schema version " + std::to_string(stored) +
        ", this freshd reads version " + std::to_string(version) +
        " only; refusing to open it (run the freshd that wrote it, or move the folder "
        "aside)");
  }
  return Status::OK();
}

}  // namespace freshd::store
