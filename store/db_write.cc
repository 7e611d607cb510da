#include "store/db_write.h"

namespace freshd::store {

rocksdb::Status WriteToDb(rocksdb::DB& db, const rocksdb::WriteOptions& options,
                          rocksdb::WriteBatch& batch) {
  return db.Write(options, &batch);
}

rocksdb::Status PutToDb(rocksdb::DB& db, const rocksdb::WriteOptions& options,
                        rocksdb::ColumnFamilyHandle* family, std::string_view key,
                        std::string_view value) {
  rocksdb::WriteBatch batch;
  rocksdb::Status added = batch.Put(family, key, value);
  if (!added.ok()) return added;
  return WriteToDb(db, options, batch);
}

}  // namespace freshd::store
