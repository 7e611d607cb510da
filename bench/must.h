// A benchmark measures a store that works: any store error ends it, with the reason.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "common/status.h"

namespace freshd::bench {

inline void Must(const Status& status) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s\n", status.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> result) {
  Must(result.status());
  return std::move(result).value();
}

}  // namespace freshd::bench
