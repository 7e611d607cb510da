#include "tests/support/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "tests/support/temp_dir.h"

extern char** environ;

namespace freshd::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& argv, int output_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output_fd, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv,
                           const std::filesystem::path& output_file) {
  const int fd = open(output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + output_file.string());
  pid_ = Spawn(argv, fd);
  close(fd);
}

ChildProcess::~ChildProcess() {
  if (!Running()) return;
  Signal(SIGTERM);
  for (int i = 0; i < 100 && Running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (Running()) Signal(SIGKILL);
  Wait();
}

void ChildProcess::Signal(int signal) const { kill(pid_, signal); }

int ChildProcess::Wait() {
  if (!reaped_) {
    waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

bool ChildProcess::Running() {
  if (reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

bool WaitForPort(int port, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    close(fd);
    if (connected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int RunCommand(const std::vector<std::string>& argv, std::string* output) {
  TempDir dir;
  const auto file = dir.path() / "output";
  int code;
  {
    ChildProcess process(argv, file);
    code = process.Wait();
  }
  *output = ReadFile(file);
  return code;
}

Nginx::Nginx(const std::filesystem::path& root, const std::filesystem::path& work_dir)
    : port_(FreePort()) {
  std::filesystem::create_directories(work_dir / "tmp");
  const std::string work = work_dir.string();
  WriteFile(work_dir / "nginx.conf",
            std::string(getuid() == 0 ? "user root root;\n" : "") +
                "daemon off;\nworker_processes 1;\npid " + work + "/nginx.pid;\nerror_log " + work +
                "/error.log warn;\nevents { worker_connections 512; }\nhttp {\n  access_log "
                "off;\n  client_body_temp_path " +
                work + "/tmp;\n  proxy_temp_path " + work + "/tmp;\n  fastcgi_temp_path " + work +
                "/tmp;\n  uwsgi_temp_path " + work + "/tmp;\n  scgi_temp_path " + work +
                "/tmp;\n  types { text/html html; "
                "application/xml xml; text/markdown md; application/json json; }\n"
                "  default_type text/plain;\n  keepalive_requests 100000;\n  server {\n    listen "
                "127.0.0.1:" +
                std::to_string(port_) + ";\n    root " + root.string() + ";\n  }\n}\n");
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/sbin/nginx", "-c", work + "/nginx.conf", "-p", work},
      work_dir / "nginx.out");
  if (!WaitForPort(port_)) throw std::runtime_error("nginx did not start: see " + work);
}

std::string Nginx::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string FreshdBinary() { return FRESHD_BINARY; }

}  // namespace freshd::testing
