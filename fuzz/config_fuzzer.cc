// The configuration loader: any text is either loaded or refused with errors, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const freshd::config::LoadResult result = freshd::config::Parse(text, "fuzz.yaml");
  for (const freshd::config::ConfigError& error : result.errors) (void)error.ToString();
  return 0;
}
