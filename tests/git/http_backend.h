// `git http-backend` (CGI) behind the tests' FaultServer: smart HTTP for the repositories of
// a folder, on a free loopback port, optionally behind HTTP basic auth. The CGI runs on the
// server's thread, one request at a time.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/fault_server.h"
#include "tests/support/temp_dir.h"

namespace freshd::testing {

class GitHttpBackend {
 public:
  // Serves `root`/`repository` at /`repository`. With a password, every request must carry
  // `Authorization: Basic` of user:password, else 401.
  GitHttpBackend(const std::filesystem::path& root, const std::string& repository,
                 std::string user = "", std::string password = "");
  std::string Url() const;  // http://127.0.0.1:PORT/REPOSITORY
  int Refusals() const;     // requests answered 401

 private:
  FaultServer::Plain Answer(const FaultServer::Request& request);

  std::filesystem::path root_;
  std::string repository_;
  std::string expected_authorization_;
  TempDir scratch_;
  std::atomic<int> refusals_{0};
  std::unique_ptr<FaultServer> server_;  // last: stopped before the members it uses
};

std::string Base64(const std::string& text);

}  // namespace freshd::testing
