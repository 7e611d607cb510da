// A stop asked for on one thread and seen by blocking calls on another: an HTTP call aborts
// its transfer, a backoff wait ends early. What was being delivered stays in the outbox, so
// a stop loses nothing; it only no longer waits for an embedding API or a sink that is slow.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace freshd::rag {

class Cancellation {
 public:
  void Cancel();
  bool cancelled() const;
  // Waits `duration`, or less when cancelled meanwhile. False when cancelled.
  bool WaitFor(std::chrono::milliseconds duration) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cancelled_changed_;
  bool cancelled_ = false;
};

}  // namespace freshd::rag
