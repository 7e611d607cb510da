// Zips written in memory for the document fixtures.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace freshd::testing {

struct ZipMember {
  std::string name;
  std::string content;
  bool stored = false;  // uncompressed (an OpenDocument's mimetype must be)
};

// A zip of `members`, in this order (libzip).
std::string WriteZip(const std::vector<ZipMember>& members);

// A zip whose one member `name` is `repeats` copies of `block` (deflated), written by
// hand: the compressed stream is one compressed copy repeated, so that nothing of the
// unzipped size is ever held in memory.
std::string WriteRepeatedMemberZip(const std::string& name, const std::string& block,
                                   std::uint32_t repeats);

}  // namespace freshd::testing
