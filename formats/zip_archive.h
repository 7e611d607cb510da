// A zip container read from memory (libzip), with capped reads: a member's declared size
// is only a claim, so reading stops at the cap, whatever the member says.
#pragma once

#include <zip.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace freshd::formats {

class ZipArchive {
 public:
  // `body` must outlive the archive (it is not copied). InvalidArgument when it is not a
  // readable zip.
  static Result<ZipArchive> Open(std::string_view body, std::uint64_t max_member_bytes,
                                 std::uint64_t max_total_bytes);

  bool Has(const char* name) const;
  std::vector<std::string> Names() const;
  // The member decompressed: InvalidArgument when absent or damaged, ResourceExhausted past the
  // member cap or when all the members read so far pass the total cap, PermissionDenied when
  // encrypted.
  Result<std::string> Read(const char* name);

 private:
  struct Discard {
    void operator()(zip_t* zip) const { zip_discard(zip); }
  };
  explicit ZipArchive(zip_t* zip, std::uint64_t max_member, std::uint64_t max_total)
      : zip_(zip), max_member_(max_member), max_total_(max_total) {}

  std::unique_ptr<zip_t, Discard> zip_;
  std::uint64_t max_member_;
  std::uint64_t max_total_;
  std::uint64_t total_read_ = 0;
};

// True when `body` starts like a zip (a local file header).
bool LooksLikeZip(std::string_view body);

}  // namespace freshd::formats
