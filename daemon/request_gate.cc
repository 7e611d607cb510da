#include "daemon/request_gate.h"

#include <algorithm>

namespace freshd::daemon {

RequestGate::RequestGate(boost::asio::io_context& io, const scheduler::Clock& clock)
    : io_(io), clock_(clock) {}

void RequestGate::SetBudget(const std::string& source,
                            const std::optional<config::RequestBudget>& budget) {
  if (!budget) {
    Remove(source);
    return;
  }
  auto found = gates_.find(source);
  if (found != gates_.end() && found->second.settings == *budget) return;
  Gate& gate = gates_[source];
  gate.settings = *budget;
  gate.budget = std::make_unique<scheduler::RequestBudget>(
      budget->requests, std::chrono::duration_cast<scheduler::Duration>(budget->per));
  if (!gate.timer) gate.timer = clock_.CreateTimer(io_);
  Drain(gate);
}

void RequestGate::Remove(const std::string& source) {
  auto found = gates_.find(source);
  if (found == gates_.end()) return;
  // What waited is let go: the source's budget no longer holds it.
  std::deque<Start> waiting = std::move(found->second.waiting);
  gates_.erase(found);
  for (auto& start : waiting) start(clock_.Now());
}

void RequestGate::Submit(const std::string& source, Start start) {
  auto found = gates_.find(source);
  if (found == gates_.end()) {
    start(clock_.Now());
    return;
  }
  found->second.waiting.push_back(std::move(start));
  Drain(found->second);
}

void RequestGate::Drain(Gate& gate) {
  const scheduler::TimePoint now = clock_.Now();
  while (!gate.waiting.empty() && gate.budget->TryAcquire(now)) {
    Start start = std::move(gate.waiting.front());
    gate.waiting.pop_front();
    start(now);
  }
  if (gate.waiting.empty()) {
    gate.timer->Cancel();
    return;
  }
  const auto wait =
      std::chrono::duration_cast<scheduler::Duration>(gate.budget->NextAvailable(now) - now);
  gate.timer->Schedule(std::max(wait, scheduler::Duration(1)), [this, &gate] { Drain(gate); });
}

void RequestGate::Sent(const std::string& source, scheduler::TimePoint granted) {
  auto found = gates_.find(source);
  if (found != gates_.end()) found->second.budget->Restamp(granted, clock_.Now());
}

std::optional<std::uint64_t> RequestGate::Available(const std::string& source) const {
  auto found = gates_.find(source);
  if (found == gates_.end()) return std::nullopt;
  const Gate& gate = found->second;
  const scheduler::TimePoint now = clock_.Now();
  if (gate.budget->NextAvailable(now) > now) return 0;
  const std::uint64_t used = gate.budget->InWindow(now) + gate.waiting.size();
  return used >= gate.budget->requests() ? 0 : gate.budget->requests() - used;
}

scheduler::TimePoint RequestGate::NextAvailable(const std::string& source) const {
  const scheduler::TimePoint now = clock_.Now();
  auto found = gates_.find(source);
  return found == gates_.end() ? now : found->second.budget->NextAvailable(now);
}

std::uint64_t RequestGate::InWindow(const std::string& source) const {
  auto found = gates_.find(source);
  return found == gates_.end() ? 0 : found->second.budget->InWindow(clock_.Now());
}

void RequestGate::PauseUntil(const std::string& source, scheduler::TimePoint until) {
  auto found = gates_.find(source);
  if (found == gates_.end()) return;
  found->second.budget->PauseUntil(until);
  Drain(found->second);
}

std::size_t RequestGate::Waiting() const {
  std::size_t waiting = 0;
  for (const auto& [name, gate] : gates_) waiting += gate.waiting.size();
  return waiting;
}

void RequestGate::Clear() {
  for (auto& [name, gate] : gates_) {
    gate.waiting.clear();
    gate.timer->Cancel();
  }
}

}  // namespace freshd::daemon
