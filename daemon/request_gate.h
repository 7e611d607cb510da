// Holds the requests of sources with a request budget (`interval: adaptive`, DESIGN.md 6.3)
// until their RequestBudget grants them, so that the budget is a hard cap on every request
// made for the source's documents: checks and volatility probes alike (listings are apart,
// as the design says). Requests of one source start in the order they were submitted;
// sources without a budget pass straight through.
//
// Threads: the event loop's only. Waiting requests are timers on the Clock given.
#pragma once

#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "scheduler/clock.h"
#include "scheduler/request_budget.h"

namespace freshd::daemon {

class RequestGate {
 public:
  RequestGate(boost::asio::io_context& io, const scheduler::Clock& clock);

  // Gives `source` a budget, or none. A budget that stays the same keeps its window.
  void SetBudget(const std::string& source, const std::optional<config::RequestBudget>& budget);
  void Remove(const std::string& source);

  // Runs `start(granted)` now when the source's budget allows it (or it has none), else
  // when it does. `granted` is the time of the grant, for Sent.
  using Start = std::function<void(scheduler::TimePoint granted)>;
  void Submit(const std::string& source, Start start);
  // The request granted at `granted` goes out now: the budget counts it from now.
  void Sent(const std::string& source, scheduler::TimePoint granted);

  // Requests the budget would grant now, those already waiting deducted; nullopt when the
  // source has no budget.
  std::optional<std::uint64_t> Available(const std::string& source) const;
  // When the next request could start (now when one can).
  scheduler::TimePoint NextAvailable(const std::string& source) const;
  // Grants in the budget's window ending now (0 without a budget).
  std::uint64_t InWindow(const std::string& source) const;
  // Holds the source's requests until `until` (a 429 or 503 with Retry-After).
  void PauseUntil(const std::string& source, scheduler::TimePoint until);

  std::size_t Waiting() const;  // requests held, all sources together
  void Clear();                 // drops every waiting request (the engine stopping)

 private:
  struct Gate {
    config::RequestBudget settings;
    std::unique_ptr<scheduler::RequestBudget> budget;
    std::deque<Start> waiting;
    std::unique_ptr<scheduler::Timer> timer;
  };
  void Drain(Gate& gate);

  boost::asio::io_context& io_;
  const scheduler::Clock& clock_;
  std::map<std::string, Gate> gates_;
};

}  // namespace freshd::daemon
