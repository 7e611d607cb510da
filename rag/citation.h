// How a search result names where it stands, so that an assistant (or a person) can cite it:
// "refund-policy.pdf, page 4", "handbook.docx § Refunds > Window". Pure; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace freshd::rag {

// `name` followed by the chunk's location when it has one: ", page 4" (page > 0), then
// " § Refunds > Window" (heading not empty). `name` alone otherwise.
std::string WithLocation(std::string_view name, std::uint32_t page, std::string_view heading);

// The last segment of a URI or path, percent-decoded, without its query and fragment
// ("https://example.com/docs/refund-policy.pdf?v=2" -> "refund-policy.pdf"); the host for a
// site's root; the URI itself when it has no segment.
std::string DocumentName(std::string_view uri);

// WithLocation(DocumentName(uri), page, heading).
std::string Citation(std::string_view uri, std::uint32_t page, std::string_view heading);

}  // namespace freshd::rag
