// Private to the watchers library: the compiler of CSS selectors (a subset) to XPath 1.0.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace freshd::watchers::content {

// Compiles a CSS selector to the equivalent XPath 1.0 expression. The subset: type
// selectors and `*`, `.class`, `#id`, `[attr]`, `[attr=v]` (also ~= ^= $= *= |=), the
// descendant (space) and child (>) combinators, and selector lists with commas.
// InvalidArgument on anything else.
Result<std::string> CompileCssToXPath(std::string_view css);

}  // namespace freshd::watchers::content
