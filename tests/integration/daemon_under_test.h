// `freshd run` as a child process for the integration tests: a configuration written into a
// temporary folder, a free port, and a wait for /readyz.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/http_get.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace freshd::testing {

inline bool WaitForReady(int port) {
  for (int i = 0; i < 200; ++i) {
    if (HttpGet("http://127.0.0.1:" + std::to_string(port) + "/readyz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

inline std::string Config(const TempDir& dir, int port, const std::string& sources,
                   const std::string& interval = "1h") {
  return "state_dir: " + (dir / "state") + "\nlisten: 127.0.0.1:" + std::to_string(port) +
         "\ndefaults: { interval: " + interval +
         ", timeout: 2s }\nworkloads:\n  - name: docs\n"
         "    strategy: rag\n    sources:\n" +
         sources;
}

inline std::string DirectorySource(const std::string& name, const std::string& path) {
  return "      - name: " + name + "\n        directory: { path: " + path +
         ", glob: \"**/*.md\" }\n";
}

// `freshd run` on a configuration written into `dir` (a directory source "handbook" over
// dir/docs unless `sources` says otherwise, checked every `interval`), listening on a free
// port; `Ready()` waits for /readyz. Stopped with SIGTERM when it goes out of scope.
struct DaemonUnderTest {
  DaemonUnderTest(const TempDir& dir, const std::string& interval,
                  const std::string& extra_yaml = "", const std::string& sources = "")
      : port(FreePort()),
        base("http://127.0.0.1:" + std::to_string(port)),
        file(dir / "freshd.yaml") {
    WriteFile(file, extra_yaml + Config(dir, port,
                                        sources.empty() ? DirectorySource("handbook", dir / "docs")
                                                        : sources,
                                        interval));
    process = std::make_unique<ChildProcess>(
        std::vector<std::string>{FreshdBinary(), "run", "-c", file}, dir.path() / "freshd.log");
  }
  bool Ready() const { return WaitForReady(port); }

  int port;
  std::string base;
  std::string file;
  std::unique_ptr<ChildProcess> process;
};

}  // namespace freshd::testing
