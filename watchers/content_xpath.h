// Private to the watchers library: validation of the XPath selectors of sources.
#pragma once

#include <string>

namespace freshd::watchers::content {

// Compiles `xpath` and evaluates it once on a tiny document, so that syntax errors, unknown
// functions and unbound prefixes are reported when the configuration is loaded. Fails (with
// *error set) when the expression could never be evaluated.
bool ValidateXPath(const std::string& xpath, std::string* error);

}  // namespace freshd::watchers::content
