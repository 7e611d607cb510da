// Child processes for the integration tests: nginx serving a folder on a free loopback port,
// and any command with its output kept in a file. Each is killed and reaped on destruction.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace freshd::testing {

class ChildProcess {
 public:
  // Starts argv[0] (looked up in PATH) with stdout and stderr appended to `output_file`.
  ChildProcess(std::vector<std::string> argv, const std::filesystem::path& output_file);
  ~ChildProcess();  // SIGTERM, then SIGKILL after 5 s
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signal) const;
  // Waits for the exit; returns the exit code, or 128 + signal.
  int Wait();
  bool Running();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// Waits until something accepts TCP connections on 127.0.0.1:port.
bool WaitForPort(int port, int timeout_ms = 10000);

// Runs a command to completion; returns its exit code and puts its output in *output.
int RunCommand(const std::vector<std::string>& argv, std::string* output);

class Nginx {
 public:
  // Serves `root` on 127.0.0.1 on a free port; work files live in `work_dir`.
  Nginx(const std::filesystem::path& root, const std::filesystem::path& work_dir);
  int port() const { return port_; }
  std::string Url(const std::string& path) const;

 private:
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

// The freshd binary built beside the tests (FRESHD_BINARY at compile time).
std::string FreshdBinary();

}  // namespace freshd::testing
