#include "formats/pages.h"

#include <charconv>
#include <string>

#include "common/strings.h"

namespace freshd::formats {
namespace {

Result<std::uint32_t> ParsePage(std::string_view text) {
  text = strings::Trim(text);
  std::uint32_t page = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), page);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("'" + std::string(text) + "': not a page number");
  }
  if (page == 0) return Status::InvalidArgument("page 0: pages count from 1");
  return page;
}

Result<PageRange> ParseRange(std::string_view text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    Result<std::uint32_t> page = ParsePage(text);
    if (!page.ok()) return page.status();
    return PageRange{*page, *page};
  }
  Result<std::uint32_t> first = ParsePage(text.substr(0, dash));
  if (!first.ok()) return first.status();
  PageRange range{*first, UINT32_MAX};
  if (!strings::Trim(text.substr(dash + 1)).empty()) {
    Result<std::uint32_t> last = ParsePage(text.substr(dash + 1));
    if (!last.ok()) return last.status();
    range.last = *last;
  }
  if (range.last < range.first) {
    return Status::InvalidArgument("'" + std::string(strings::Trim(text)) +
                                   "': the range runs backwards");
  }
  return range;
}

}  // namespace

Result<std::vector<PageRange>> ParsePageRanges(std::string_view text) {
  std::vector<PageRange> ranges;
  if (strings::Trim(text).empty()) return Status::InvalidArgument("no pages given");
  for (;;) {
    const std::size_t comma = text.find(',');
    Result<PageRange> range = ParseRange(text.substr(0, comma));
    if (!range.ok()) return range.status();
    ranges.push_back(*range);
    if (comma == std::string_view::npos) return ranges;
    text.remove_prefix(comma + 1);
  }
}

bool PageSelected(const std::vector<PageRange>& ranges, std::uint32_t page) {
  if (ranges.empty()) return true;
  for (const PageRange& range : ranges) {
    if (page >= range.first && page <= range.last) return true;
  }
  return false;
}

}  // namespace freshd::formats
