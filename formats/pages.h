// Page selections ("1-3,7,10-"): which pages or slides of a document a source keeps.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace freshd::formats {

struct PageRange {
  std::uint32_t first = 1;
  std::uint32_t last = UINT32_MAX;  // inclusive; "10-" runs to the end
};

// Comma-separated pages and ranges, from 1; spaces allowed around them. InvalidArgument
// names what is wrong ("page 0", "3-1: the range runs backwards", "x: not a page").
Result<std::vector<PageRange>> ParsePageRanges(std::string_view text);

// True when `ranges` is empty (every page) or one of them holds `page`.
bool PageSelected(const std::vector<PageRange>& ranges, std::uint32_t page);

}  // namespace freshd::formats
