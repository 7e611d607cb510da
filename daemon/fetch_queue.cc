#include "daemon/fetch_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace freshd::daemon {
namespace {

constexpr scheduler::Duration kFirstBackoff = std::chrono::seconds(1);
constexpr scheduler::Duration kMaxBackoff = std::chrono::seconds(60);

bool Throttled(long status) { return status == 429 || status == 503; }

}  // namespace

scheduler::Duration PauseAfter(std::optional<std::chrono::seconds> retry_after, int in_a_row) {
  if (retry_after) return *retry_after;
  scheduler::Duration backoff = kFirstBackoff;
  for (int i = 1; i < in_a_row && backoff < kMaxBackoff; ++i) backoff *= 2;
  return std::min(backoff, kMaxBackoff);
}

FetchQueue::FetchQueue(int max_in_flight, int per_host, Defer defer, const scheduler::Clock& clock,
                       boost::asio::io_context& io)
    : max_in_flight_(max_in_flight),
      per_host_(per_host),
      defer_(std::move(defer)),
      clock_(clock),
      io_(io) {}

void FetchQueue::Submit(const std::string& host, Start start) {
  auto& queue = queues_[host];
  if (queue.empty()) hosts_waiting_.push_back(host);
  queue.push_back(std::move(start));
  ++waiting_;
  Pump();
}

void FetchQueue::Done(const std::string& host) {
  --in_flight_;
  auto found = host_in_flight_.find(host);
  if (found != host_in_flight_.end() && --found->second <= 0) host_in_flight_.erase(found);
  Pump();
}

void FetchQueue::Done(const std::string& host, const watchers::HttpResponse& response) {
  if (Throttled(response.status)) {
    const int in_a_row = ++pauses_[host].throttled_in_a_row;
    const std::string why =
        ", after HTTP " + std::to_string(response.status) +
        (response.retry_after ? " and its Retry-After"
                              : " without Retry-After (" + std::to_string(in_a_row) + " in a row)");
    PauseHost(host, clock_.MonotonicNow() + PauseAfter(response.retry_after, in_a_row), why);
  } else if (response.status != 0) {
    auto found = pauses_.find(host);
    if (found != pauses_.end()) {
      found->second.throttled_in_a_row = 0;
      if (found->second.until <= clock_.MonotonicNow()) pauses_.erase(found);
    }
  }
  Done(host);
}

void FetchQueue::PauseHost(const std::string& host, scheduler::MonotonicTime until,
                           std::string_view why) {
  const scheduler::MonotonicTime now = clock_.MonotonicNow();
  HostPause& pause = pauses_[host];
  if (until <= pause.until || until <= now) return;
  const bool news = pause.until <= now;
  pause.until = until;
  const auto rest = std::chrono::ceil<scheduler::Duration>(until - now);
  if (news) {
    spdlog::info("host {}: no new request for {:.0f} s{}", host,
                 std::chrono::duration<double>(rest).count(), why);
  }
  if (!pause.wake) pause.wake = clock_.CreateTimer(io_);
  pause.wake->Schedule(rest, [this] { Pump(); });
}

bool FetchQueue::Paused(const std::string& host) const {
  auto found = pauses_.find(host);
  return found != pauses_.end() && found->second.until > clock_.MonotonicNow();
}

std::size_t FetchQueue::Held() const {
  std::size_t held = 0;
  for (const auto& [host, queue] : queues_) {
    if (Paused(host)) held += queue.size();
  }
  return held;
}

void FetchQueue::Clear() {
  queues_.clear();
  hosts_waiting_.clear();
  waiting_ = 0;
  pauses_.clear();
}

void FetchQueue::Pump() {
  // One pass over the hosts that wait: each gets at most one slot per pass.
  bool progress = true;
  while (progress && in_flight_ < max_in_flight_ && !hosts_waiting_.empty()) {
    progress = false;
    for (auto it = hosts_waiting_.begin();
         it != hosts_waiting_.end() && in_flight_ < max_in_flight_;) {
      if (Paused(*it)) {
        ++it;
        continue;
      }
      int& host_count = host_in_flight_[*it];
      auto& queue = queues_[*it];
      if (host_count >= per_host_) {
        ++it;
        continue;
      }
      Start start = std::move(queue.front());
      queue.pop_front();
      --waiting_;
      ++host_count;
      ++in_flight_;
      progress = true;
      if (queue.empty()) {
        queues_.erase(*it);
        it = hosts_waiting_.erase(it);
      } else {
        ++it;
      }
      defer_(std::move(start));
    }
  }
}

std::string HostOf(const std::string& url) {
  std::size_t begin = url.find("://");
  begin = begin == std::string::npos ? 0 : begin + 3;
  std::size_t end = url.find_first_of("/?#", begin);
  std::string authority = url.substr(begin, end == std::string::npos ? end : end - begin);
  if (auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  std::transform(authority.begin(), authority.end(), authority.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return authority;
}

}  // namespace freshd::daemon
