#include "rag/cancellation.h"

namespace freshd::rag {

void Cancellation::Cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  cancelled_changed_.notify_all();
}

bool Cancellation::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

bool Cancellation::WaitFor(std::chrono::milliseconds duration) const {
  std::unique_lock lock(mutex_);
  return !cancelled_changed_.wait_for(lock, duration, [this] { return cancelled_; });
}

}  // namespace freshd::rag
