// The libcurl multi handle on Asio: curl's sockets and timer become Asio waits, completed
// transfers are drained on the io_context thread (see http_transfer.cc for each transfer).
#include "watchers/http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "watchers/http_client_impl.h"

namespace freshd::watchers {
namespace {

namespace asio = boost::asio;
using http_detail::Failure;
using http_detail::Transfer;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

HttpClient::Impl::Impl(asio::io_context& context) : io(context), timer(context) {
  InitCurlOnce();
  multi.reset(curl_multi_init());
  if (!multi) throw std::runtime_error("curl_multi_init failed");
  // The multi handle keeps the connection cache and the DNS cache for all its transfers.
  curl_multi_setopt(multi.get(), CURLMOPT_SOCKETFUNCTION, &Impl::OnSocket);
  curl_multi_setopt(multi.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi.get(), CURLMOPT_TIMERFUNCTION, &Impl::OnTimer);
  curl_multi_setopt(multi.get(), CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, kMaxHostConnections);
}

HttpClient::Impl::~Impl() {
  alive.reset();
  closing = true;
  for (auto& [easy, transfer] : transfers) curl_multi_remove_handle(multi.get(), easy);
  transfers.clear();
  multi.reset();  // closes the cached connections through OnCloseSocket
  for (auto& [fd, watch] : watches) watch->descriptor.release();
  watches.clear();
  timer.cancel();
}

void HttpClient::Impl::Fetch(HttpRequest request, Callback done) {
  auto transfer = std::make_unique<Transfer>(std::move(done), std::move(request));
  if (!transfer->easy) {
    return Deliver(std::move(transfer->done), Failure("curl_easy_init failed"));
  }
  if (!Configure(*transfer)) {
    return Deliver(std::move(transfer->done),
                   Failure("invalid request: " + std::string(transfer->error)));
  }
  CURL* easy = transfer->easy.get();
  if (const CURLMcode code = curl_multi_add_handle(multi.get(), easy); code != CURLM_OK) {
    return Deliver(std::move(transfer->done), Failure(curl_multi_strerror(code)));
  }
  transfers.emplace(easy, std::move(transfer));
}

int HttpClient::Impl::OnSocket(CURL*, curl_socket_t fd, int what, void* self, void*) {
  auto& impl = *static_cast<Impl*>(self);
  if (what == CURL_POLL_REMOVE) {
    impl.StopWatching(fd);
    return 0;
  }
  return impl.closing ? 0 : impl.StartWatching(fd, what);
}

int HttpClient::Impl::OnTimer(CURLM*, long timeout_ms, void* self) {
  static_cast<Impl*>(self)->ArmTimer(timeout_ms);
  return 0;
}

curl_socket_t HttpClient::Impl::OnOpenSocket(void* self, curlsocktype, curl_sockaddr* address) {
  const int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  // The kernel may hand out the number of an fd curl closed behind our back (its resolver's
  // socketpair): drop that stale watch before the new socket is registered.
  static_cast<Impl*>(self)->StopWatching(fd);
  return fd;
}

int HttpClient::Impl::OnCloseSocket(void* self, curl_socket_t fd) {
  // Asio must forget the fd before it is closed, or the number's next owner inherits it.
  static_cast<Impl*>(self)->StopWatching(fd);
  return ::close(fd);
}

// Watches any fd curl hands over: TCP over IPv4 or IPv6, and also the AF_UNIX socketpair
// of curl's threaded resolver, which is why this is a stream_descriptor and not a tcp::socket.
int HttpClient::Impl::StartWatching(curl_socket_t fd, int what) {
  auto found = watches.find(fd);
  if (found == watches.end()) {
    auto watch = std::make_unique<Watch>(io, ++next_serial);
    boost::system::error_code error;
    watch->descriptor.assign(fd, error);
    // Unwatched, the transfer ends at its timeout; -1 would abort every transfer instead.
    if (error) return 0;
    found = watches.emplace(fd, std::move(watch)).first;
  }
  found->second->wanted = what;
  Arm(fd, *found->second);
  return 0;
}

void HttpClient::Impl::StopWatching(curl_socket_t fd) {
  const auto found = watches.find(fd);
  if (found == watches.end()) return;
  // Pending waits complete with operation_aborted; OnReady then finds no matching watch.
  found->second->descriptor.release();
  watches.erase(found);
}

void HttpClient::Impl::Arm(curl_socket_t fd, Watch& watch) {
  auto handler = [this, alive = std::weak_ptr<int>(alive), fd, serial = watch.serial](int event) {
    return [this, alive, fd, serial, event](const boost::system::error_code& error) {
      if (!alive.expired()) OnReady(fd, serial, event, error);
    };
  };
  if ((watch.wanted & CURL_POLL_IN) && !watch.reading) {
    watch.reading = true;
    watch.descriptor.async_wait(asio::posix::descriptor_base::wait_read, handler(CURL_CSELECT_IN));
  }
  if ((watch.wanted & CURL_POLL_OUT) && !watch.writing) {
    watch.writing = true;
    watch.descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                                handler(CURL_CSELECT_OUT));
  }
}

void HttpClient::Impl::OnReady(curl_socket_t fd, std::uint64_t serial, int event,
                               const boost::system::error_code& error) {
  auto found = watches.find(fd);
  if (found == watches.end() || found->second->serial != serial) return;
  Watch& watch = *found->second;
  const bool is_read = event == CURL_CSELECT_IN;
  (is_read ? watch.reading : watch.writing) = false;
  if (error == asio::error::operation_aborted) return;
  if (!(watch.wanted & (is_read ? CURL_POLL_IN : CURL_POLL_OUT))) return;  // no longer wanted
  SocketAction(fd, error ? CURL_CSELECT_ERR : event);
  // curl may have dropped or replaced the watch meanwhile.
  found = watches.find(fd);
  if (found != watches.end() && found->second->serial == serial) Arm(fd, *found->second);
}

// Called by curl: it must not call curl back, so a 0 ms timeout is a 0 ms timer too.
void HttpClient::Impl::ArmTimer(long timeout_ms) {
  if (timeout_ms < 0 || closing) {
    timer.cancel();
    return;
  }
  timer.expires_after(std::chrono::milliseconds(timeout_ms));
  timer.async_wait(
      [this, alive = std::weak_ptr<int>(alive)](const boost::system::error_code& error) {
        if (alive.expired() || error == asio::error::operation_aborted) return;
        SocketAction(CURL_SOCKET_TIMEOUT, 0);
      });
}

void HttpClient::Impl::SocketAction(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi.get(), fd, events, &running);
  DrainCompletions();
}

void HttpClient::Impl::DrainCompletions() {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
    if (message->msg == CURLMSG_DONE) Finish(message->easy_handle, message->data.result);
  }
}

void HttpClient::Impl::Deliver(Callback done, HttpResponse response) {
  asio::post(io, [alive = std::weak_ptr<int>(alive), done = std::move(done),
                  response = std::move(response)]() mutable {
    if (!alive.expired()) done(std::move(response));
  });
}

HttpClient::HttpClient(asio::io_context& io) : impl_(std::make_unique<Impl>(io)) {}

HttpClient::~HttpClient() = default;

void HttpClient::Fetch(HttpRequest request, Callback done) {
  impl_->Fetch(std::move(request), std::move(done));
}

void HttpClient::CancelAll() {
  asio::io_context& io = impl_->io;
  impl_.reset();
  impl_ = std::make_unique<Impl>(io);
}

std::size_t HttpClient::InFlight() const { return impl_->transfers.size(); }

}  // namespace freshd::watchers
