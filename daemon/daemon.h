// The daemon: the event loop, the worker pool, the store, the engine, the scheduler and the
// HTTP endpoints, wired together. `freshd run` and `freshd once` are its two modes.
#pragma once

#include <iosfwd>
#include <memory>

#include "config/config.h"
#include "scheduler/clock.h"

namespace freshd::daemon {

class Daemon {
 public:
  Daemon(config::Config config, const scheduler::Clock& clock);
  ~Daemon();

  // Serves until SIGTERM or SIGINT; reloads on SIGHUP. Returns the process exit code.
  int Run();

  // Checks every source once, prints a summary to `out`, returns the exit code (0 when
  // every source could be checked, 1 otherwise).
  int Once(std::ostream& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshd::daemon
