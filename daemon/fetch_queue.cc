#include "daemon/fetch_queue.h"

#include <algorithm>
#include <cctype>

namespace freshd::daemon {

FetchQueue::FetchQueue(int max_in_flight, int per_host, Defer defer)
    : max_in_flight_(max_in_flight), per_host_(per_host), defer_(std::move(defer)) {}

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

void FetchQueue::Clear() {
  queues_.clear();
  hosts_waiting_.clear();
  waiting_ = 0;
}

void FetchQueue::Pump() {
  // One pass over the hosts that wait: each gets at most one slot per pass.
  bool progress = true;
  while (progress && in_flight_ < max_in_flight_ && !hosts_waiting_.empty()) {
    progress = false;
    for (auto it = hosts_waiting_.begin();
         it != hosts_waiting_.end() && in_flight_ < max_in_flight_;) {
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
