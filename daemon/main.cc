#include "daemon/cli.h"

int main(int argc, char** argv) { return freshd::daemon::RunCommandLine(argc, argv); }
