// The listing-drop guard: a sitemap or feed that suddenly leaves out most of its documents
// is far more likely broken (an empty page, a half-deployed site) than truly emptied, and
// marking them gone would empty the RAG store. Pure functions; any thread.
#pragma once

#include <cstddef>
#include <string>

namespace freshd::watchers {

// Below this many documents, no share of them is "too many" to drop: a small listing may
// well lose most of them for real.
inline constexpr std::size_t kListingDropMinimumDocuments = 4;

// Whether a listing whose source holds `stored` present documents may lose `vanished` of
// them in one run: no when more than `max_drop` (a fraction, 0..1) of them would go.
inline bool ListingDropAllowed(std::size_t vanished, std::size_t stored, double max_drop) {
  if (stored < kListingDropMinimumDocuments || vanished == 0) return true;
  return static_cast<double>(vanished) <= max_drop * static_cast<double>(stored);
}

// Why a drop was refused, for the log and the source's last error.
inline std::string DescribeListingDrop(std::size_t vanished, std::size_t stored, double max_drop) {
  return "the listing lost " + std::to_string(vanished) + " of its " + std::to_string(stored) +
         " documents at once (more than max_listing_drop " +
         std::to_string(static_cast<int>(max_drop * 100)) +
         "%); none marked gone: an empty or broken listing must not empty the RAG store";
}

}  // namespace freshd::watchers
