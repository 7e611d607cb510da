#include "tests/store/fault_fs.h"

#include <rocksdb/db.h>
#include <rocksdb/metadata.h>

#include <catch2/catch.hpp>
#include <utility>
#include <vector>

#include "tests/store/store_test_util.h"

namespace freshd::store::testing {
namespace {

class FaultFile : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  FaultFile(std::unique_ptr<rocksdb::FSRandomAccessFile> file, std::string name,
            std::shared_ptr<FaultFs::State> state)
      : FSRandomAccessFileOwnerWrapper(std::move(file)),
        name_(std::move(name)),
        state_(std::move(state)) {}

  rocksdb::IOStatus Read(std::uint64_t offset, std::size_t n, const rocksdb::IOOptions& options,
                         rocksdb::Slice* result, char* scratch,
                         rocksdb::IODebugContext* debug) const override {
    FaultFs::Mode mode;
    if (!state_->Hits(name_, &mode)) {
      return FSRandomAccessFileOwnerWrapper::Read(offset, n, options, result, scratch, debug);
    }
    if (mode == FaultFs::Mode::kFail) return rocksdb::IOStatus::IOError("injected read failure");
    rocksdb::IOStatus status =
        FSRandomAccessFileOwnerWrapper::Read(offset, n, options, result, scratch, debug);
    if (!status.ok() || result->empty()) return status;
    // Flips every byte into the scratch copy: the block's checksum cannot match.
    for (std::size_t i = 0; i < result->size(); ++i) scratch[i] = static_cast<char>(~(*result)[i]);
    *result = rocksdb::Slice(scratch, result->size());
    return status;
  }

  rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* requests, std::size_t count,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* debug) override {
    for (std::size_t i = 0; i < count; ++i) {
      requests[i].status = Read(requests[i].offset, requests[i].len, options, &requests[i].result,
                                requests[i].scratch, debug);
    }
    return rocksdb::IOStatus::OK();
  }

 private:
  std::string name_;
  std::shared_ptr<FaultFs::State> state_;
};

}  // namespace

bool FaultFs::State::Hits(const std::string& name, Mode* hit_mode) {
  std::lock_guard lock(mutex);
  if (!broken || !name.ends_with(".sst")) return false;
  const std::string base = name.substr(name.find_last_of('/') + 1);
  if (!files.empty() && !files.contains(base)) return false;
  *hit_mode = mode;
  ++faults;
  return true;
}

FaultFs::FaultFs()
    : FileSystemWrapper(rocksdb::FileSystem::Default()), state_(std::make_shared<State>()) {}

void FaultFs::Break(Mode mode, std::set<std::string> files) {
  std::lock_guard lock(state_->mutex);
  state_->broken = true;
  state_->mode = mode;
  state_->files = std::move(files);
}

void FaultFs::Heal() {
  std::lock_guard lock(state_->mutex);
  state_->broken = false;
}

rocksdb::IOStatus FaultFs::NewRandomAccessFile(const std::string& name,
                                               const rocksdb::FileOptions& options,
                                               std::unique_ptr<rocksdb::FSRandomAccessFile>* file,
                                               rocksdb::IODebugContext* debug) {
  std::unique_ptr<rocksdb::FSRandomAccessFile> opened;
  rocksdb::IOStatus status = target()->NewRandomAccessFile(name, options, &opened, debug);
  if (status.ok()) *file = std::make_unique<FaultFile>(std::move(opened), name, state_);
  return status;
}

FaultEnv MakeFaultEnv() {
  FaultEnv fault;
  fault.fs = std::make_shared<FaultFs>();
  fault.env = rocksdb::NewCompositeEnv(fault.fs);
  return fault;
}

std::set<std::string> TableFilesOf(const std::string& dir, const std::string& family) {
  std::set<std::string> files;
  WithRawDb(dir, [&](rocksdb::DB& db, Families&) {
    std::vector<rocksdb::LiveFileMetaData> live;
    db.GetLiveFilesMetaData(&live);
    for (const auto& file : live) {
      if (file.column_family_name == family) files.insert(file.relative_filename);
    }
  });
  return files;
}

}  // namespace freshd::store::testing
