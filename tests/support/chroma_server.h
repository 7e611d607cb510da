// A Chroma server for the sink tests, from the npm packages in tests/servers/chroma
// (scripts/install-test-servers.sh installs them): `chroma run` on a free loopback port with
// its data in a temporary folder, killed on destruction.
//
//   ChromaServer server;  // throws, saying how to install Chroma, when it is missing
//   auto sink = MakeChromaSink({.url = server.Url()});
//   server.Stop();   // the sink now sees connection errors
//   server.Start();  // same port, same data
#pragma once

#include <memory>
#include <string>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace freshd::testing {

class ChromaServer {
 public:
  ChromaServer();
  ~ChromaServer();
  ChromaServer(const ChromaServer&) = delete;
  ChromaServer& operator=(const ChromaServer&) = delete;

  // "http://127.0.0.1:PORT"
  std::string Url() const;
  int port() const { return port_; }

  void Stop();   // SIGTERM (SIGKILL after 5 s); waits for the exit
  void Start();  // on the same port and data; waits for GET /api/v2/heartbeat

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

// The `chroma` launcher installed by npm (FRESHD_CHROMA_DIR at compile time).
std::string ChromaExecutable();

}  // namespace freshd::testing
