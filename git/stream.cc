// A plain TCP stream for libgit2 with a bound on every wait. libgit2 1.5 has no connect or
// read timeout of its own (GIT_OPT_SET_SERVER_TIMEOUT came in 1.7), and its progress
// callbacks run only when bytes arrive, so a silent server would hold a fetch forever.
#include <git2/sys/stream.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "git/internal.h"

namespace freshd::git {
namespace {

thread_local std::uint32_t timeout_seconds = 0;

// The first four members mirror libgit2's own socket stream (git_socket_stream in 1.5:
// parent, host, port, the descriptor): its SSH transport casts the stream it gets to that
// type and hands the descriptor to libssh2.
struct TimedStream {
  git_stream parent;  // first, as libgit2 requires
  char* host = nullptr;
  char* port = nullptr;
  int fd = -1;
  int timeout_ms = -1;
  std::string host_text;
  std::string port_text;
};

TimedStream* Self(git_stream* stream) { return reinterpret_cast<TimedStream*>(stream); }

int Fail(const std::string& message) {
  git_error_set_str(GIT_ERROR_NET, message.c_str());
  return -1;
}

// Waits for `events` on the stream's socket; false (with the error set) on a timeout.
bool Wait(TimedStream* self, short events, const char* what) {
  pollfd entry{self->fd, events, 0};
  int ready;
  do {
    ready = poll(&entry, 1, self->timeout_ms);
  } while (ready < 0 && errno == EINTR);
  if (ready > 0) return true;
  Fail(ready == 0 ? std::string(what) + " " + self->host_text + ":" + self->port_text + " timed out"
                  : std::string(what) + " failed: " + std::strerror(errno));
  return false;
}

bool ConnectOne(TimedStream* self, const addrinfo* address) {
  self->fd = socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    address->ai_protocol);
  if (self->fd < 0) return false;
  if (connect(self->fd, address->ai_addr, address->ai_addrlen) == 0) return true;
  int error = errno;
  if (error == EINPROGRESS && Wait(self, POLLOUT, "connecting to")) {
    socklen_t length = sizeof(error);
    if (getsockopt(self->fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) return true;
    Fail("cannot connect to " + self->host_text + ":" + self->port_text + ": " +
         std::strerror(error));
  } else if (error != EINPROGRESS) {
    Fail("cannot connect to " + self->host_text + ":" + self->port_text + ": " +
         std::strerror(error));
  }
  close(self->fd);
  self->fd = -1;
  return false;
}

int Connect(git_stream* stream) {
  TimedStream* self = Self(stream);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = getaddrinfo(self->host, self->port, &hints, &found); error != 0) {
    return Fail("cannot resolve " + self->host_text + ": " + gai_strerror(error));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);
  for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
    if (ConnectOne(self, address)) return 0;
  }
  return -1;
}

ssize_t Read(git_stream* stream, void* data, std::size_t size) {
  TimedStream* self = Self(stream);
  while (true) {
    const ssize_t got = recv(self->fd, data, size, 0);
    if (got >= 0) return got;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return Fail(std::string("reading from the remote: ") + std::strerror(errno));
    }
    if (!Wait(self, POLLIN, "reading from")) return -1;
  }
}

ssize_t Write(git_stream* stream, const char* data, std::size_t size, int /*flags*/) {
  TimedStream* self = Self(stream);
  while (true) {
    const ssize_t sent = send(self->fd, data, size, MSG_NOSIGNAL);
    if (sent >= 0) return sent;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return Fail(std::string("writing to the remote: ") + std::strerror(errno));
    }
    if (!Wait(self, POLLOUT, "writing to")) return -1;
  }
}

int Close(git_stream* stream) {
  TimedStream* self = Self(stream);
  if (self->fd >= 0) close(self->fd);
  self->fd = -1;
  return 0;
}

void Free(git_stream* stream) {
  Close(stream);
  std::unique_ptr<TimedStream> owned(Self(stream));
}

int NewStream(git_stream** out, const char* host, const char* port) {
  auto self = std::make_unique<TimedStream>();
  self->parent.version = GIT_STREAM_VERSION;
  self->parent.connect = Connect;
  self->parent.read = Read;
  self->parent.write = Write;
  self->parent.close = Close;
  self->parent.free = Free;
  self->host_text = host;
  self->port_text = port;
  self->host = self->host_text.data();
  self->port = self->port_text.data();
  self->timeout_ms = timeout_seconds == 0 ? -1 : static_cast<int>(timeout_seconds) * 1000;
  *out = &self.release()->parent;  // owned by libgit2 until Free
  return 0;
}

}  // namespace

void RegisterTimedStream() {
  static git_stream_registration registration{GIT_STREAM_VERSION, NewStream, nullptr};
  git_stream_register(GIT_STREAM_STANDARD, &registration);
}

StreamTimeout::StreamTimeout(std::uint32_t seconds) : saved_(timeout_seconds) {
  timeout_seconds = seconds;
}
StreamTimeout::~StreamTimeout() { timeout_seconds = saved_; }

}  // namespace freshd::git
