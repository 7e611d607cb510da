// ssh:// goes through the same bounded socket stream: libgit2's SSH transport hands the
// stream's descriptor to libssh2, which must then talk on it.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "git/repository.h"
#include "tests/git/git_fixture.h"
#include "tests/git/test_util.h"

namespace freshd::testing {
namespace {

// Accepts one connection on a free loopback port, keeps the first bytes the client sends,
// then closes it without a word.
class FirstBytes {
 public:
  FirstBytes() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(listener_, 1);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FirstBytes() {
    if (thread_.joinable()) thread_.join();
    close(listener_);
  }
  int port() const { return port_; }
  std::string Bytes() {
    if (thread_.joinable()) thread_.join();
    return bytes_;
  }

 private:
  void Serve() {
    pollfd waiting{listener_, POLLIN, 0};
    if (poll(&waiting, 1, 10'000) != 1) return;
    const int client = accept(listener_, nullptr, nullptr);
    pollfd reading{client, POLLIN, 0};
    char buffer[64];
    if (poll(&reading, 1, 10'000) == 1) {
      const ssize_t got = recv(client, buffer, sizeof(buffer), 0);
      if (got > 0) bytes_.assign(buffer, static_cast<std::size_t>(got));
    }
    close(client);
  }

  int listener_ = -1;
  int port_ = 0;
  std::string bytes_;
  std::thread thread_;
};

TEST_CASE("an ssh remote is spoken to on the stream's socket") {
  FirstBytes server;
  GitWorkspace git;
  const std::string url = "ssh://git@127.0.0.1:" + std::to_string(server.port()) + "/repo.git";
  auto repo = MustOpen(git.CloneDir("c"), Remote(url, "main", "", 5));

  const auto failed = repo->Fetch();
  INFO(failed.status().ToString());
  CHECK(failed.status().IsUnavailable());
  CHECK(server.Bytes().substr(0, 8) == "SSH-2.0-");
}

}  // namespace
}  // namespace freshd::testing
