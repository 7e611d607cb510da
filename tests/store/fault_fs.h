// A RocksDB file system that fails or corrupts reads on demand, for tests of what the store
// and its callers do when the disk fails (StoreOptions::env).
//
// Only reads of table (.sst) files are touched, and only while broken: opening, the
// write-ahead log and writes work, so a store opens and is then made to fail. Thread-safe.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace freshd::store::testing {

class FaultFs : public rocksdb::FileSystemWrapper {
 public:
  enum class Mode { kFail, kCorrupt };

  FaultFs();
  static const char* kClassName() { return "FreshdFaultFs"; }
  const char* Name() const override { return kClassName(); }

  // From now on, reads of the table files named in `files` (as "000012.sst"; every table
  // file when empty) fail with an IO error, or return flipped bytes.
  void Break(Mode mode, std::set<std::string> files = {});
  void Heal();
  // Reads failed or corrupted so far.
  std::size_t faults() const { return state_->faults; }

  rocksdb::IOStatus NewRandomAccessFile(const std::string& name,
                                        const rocksdb::FileOptions& options,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* file,
                                        rocksdb::IODebugContext* debug) override;

  struct State {
    std::mutex mutex;
    bool broken = false;
    Mode mode = Mode::kFail;
    std::set<std::string> files;
    std::atomic<std::size_t> faults{0};
    // The fault for a read of `name`, if any.
    bool Hits(const std::string& name, Mode* mode);
  };

 private:
  std::shared_ptr<State> state_;
};

// A FaultFs and the Env that runs on it (for StoreOptions::env): keep it while the store lives.
struct FaultEnv {
  std::shared_ptr<FaultFs> fs;
  std::unique_ptr<rocksdb::Env> env;
};
FaultEnv MakeFaultEnv();

// The table files (as "000012.sst") that hold a column family of the closed store in `dir`.
std::set<std::string> TableFilesOf(const std::string& dir, const std::string& family);

}  // namespace freshd::store::testing
