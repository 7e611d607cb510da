// Admission for HTTP transfers: at most `max_in_flight` at once over all hosts, and at most
// `per_host` to any one host, first come first served within a host and round robin across
// hosts, so that one large sitemap does not starve the other sources.
#pragma once

#include <deque>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>

namespace freshd::daemon {

class FetchQueue {
 public:
  // `start` is called (never from inside Submit) when the transfer may begin; whoever it
  // starts must call Done(host) exactly once when the transfer ends.
  using Start = std::function<void()>;
  using Defer = std::function<void(std::function<void()>)>;

  FetchQueue(int max_in_flight, int per_host, Defer defer);

  void Submit(const std::string& host, Start start);
  void Done(const std::string& host);
  void SetPerHostLimit(int per_host) { per_host_ = per_host; }
  void Clear();

  int InFlight() const { return in_flight_; }
  std::size_t Waiting() const { return waiting_; }

 private:
  void Pump();

  int max_in_flight_;
  int per_host_;
  Defer defer_;
  int in_flight_ = 0;
  std::size_t waiting_ = 0;
  std::unordered_map<std::string, std::deque<Start>> queues_;
  std::unordered_map<std::string, int> host_in_flight_;
  std::list<std::string> hosts_waiting_;  // round-robin order of hosts with queued work
};

// "example.com:8080" from "https://user@example.com:8080/x" (lowercased; "" if none).
std::string HostOf(const std::string& url);

}  // namespace freshd::daemon
