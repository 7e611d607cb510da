// The command line (DESIGN.md section 2): parses argv and runs a subcommand. Exit codes: 0
// success, 1 user error (message on stderr), 2 usage error.
#pragma once

namespace freshd::daemon {

int RunCommandLine(int argc, char** argv);

}  // namespace freshd::daemon
