// Private to the watchers library: validation of the XPath selectors of sources.
#pragma once

#include <string>

#include "common/status.h"

namespace freshd::watchers::content {

// Compiles `xpath` and evaluates it once on a tiny document, so that syntax errors, unknown
// functions and unbound prefixes are reported when the configuration is loaded.
// InvalidArgument when the expression could never be evaluated.
Status ValidateXPath(const std::string& xpath);

}  // namespace freshd::watchers::content
