// What the crash test's child records, so that the parent knows what to find.
#pragma once

#include <cstdint>
#include <string>

#include "store/state_store.h"

namespace freshd::store::crash {

constexpr std::uint32_t kDocuments = 4;  // record i goes to document i % kDocuments
constexpr std::uint32_t kMaxRecords = 50000;
constexpr std::size_t kHistoryBound = kMaxRecords;  // never reached: history == checks

inline DocumentKey KeyOf(std::uint32_t i) {
  std::uint32_t doc = i % kDocuments;
  return {doc % 2 == 0 ? "even" : "odd", "doc" + std::to_string(doc)};
}
inline std::int64_t TimeOf(std::uint32_t i) { return 1000 + i; }
inline std::string HashOf(std::uint32_t i) { return "h" + std::to_string(i); }

}  // namespace freshd::store::crash
