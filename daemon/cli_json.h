// What the command line reads from a running daemon: its JSON answers, and their fields as
// text for a person.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace freshd::daemon {

// The JSON a running freshd answers at `url`, or why there is none (Unavailable).
Result<nlohmann::json> GetJson(const std::string& url);

// A field as text: "-" for null, strings as they are, anything else in its JSON form.
std::string Text(const nlohmann::json& value);

}  // namespace freshd::daemon
