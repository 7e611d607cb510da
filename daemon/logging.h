// spdlog set-up: to stderr, as text or JSON lines. Under systemd (JOURNAL_STREAM set) the
// journal adds its own timestamps, so the text format leaves them out.
#pragma once

#include "config/config.h"

namespace freshd::daemon {

void SetUpLogging(const config::Log& log);

}  // namespace freshd::daemon
