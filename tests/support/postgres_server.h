// A throwaway PostgreSQL 15 cluster for the sink tests: initdb in a temporary folder, a
// server on a free loopback port with its socket in that folder, removed on destruction.
//
//   PostgresServer server;
//   auto sink = MakePostgresSink({.dsn = server.Dsn()});
//   server.Stop();   // the sink now sees connection errors
//   server.Start();  // same port, same data
//
// Errors (no PostgreSQL installed, initdb or start failing) are thrown as
// std::runtime_error naming the log to read, so the test fails with that message.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace freshd::testing {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();  // stops the server (immediate mode); TempDir removes the cluster
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // "host=127.0.0.1 port=N user=freshd dbname=postgres" (trust authentication).
  std::string Dsn() const;
  int port() const { return port_; }

  // Runs `sql` on a new connection, for tests to look at what a sink wrote: the rows, each
  // value in its text form ("" for NULL). Throws std::runtime_error with the server's message.
  std::vector<std::vector<std::string>> Query(const std::string& sql) const;

  void Stop();   // a fast shutdown; waits until the server is gone
  void Start();  // on the same port and data; waits until it accepts connections

 private:
  std::filesystem::path DataDir() const { return dir_.path() / "data"; }
  std::string LogPath() const { return dir_ / "postgres.log"; }
  int PgCtl(const std::vector<std::string>& arguments, std::string* output) const;

  TempDir dir_;
  int port_;
  bool running_ = false;
};

}  // namespace freshd::testing
