#include "daemon/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

namespace freshd::daemon {
namespace {

spdlog::level::level_enum ToSpdlog(config::Log::Level level) {
  switch (level) {
    case config::Log::Level::kTrace:
      return spdlog::level::trace;
    case config::Log::Level::kDebug:
      return spdlog::level::debug;
    case config::Log::Level::kInfo:
      return spdlog::level::info;
    case config::Log::Level::kWarn:
      return spdlog::level::warn;
    case config::Log::Level::kError:
      break;
  }
  return spdlog::level::err;
}

// %* in a pattern: the message, escaped for a JSON string (URLs and error texts from the
// outside may hold quotes, backslashes or control characters).
void Append(std::string_view text, spdlog::memory_buf_t& out) {
  out.append(text.data(), text.data() + text.size());
}

class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& out) override {
    for (char c : message.payload) {
      switch (c) {
        case '"':
          Append("\\\"", out);
          break;
        case '\\':
          Append("\\\\", out);
          break;
        case '\n':
          Append("\\n", out);
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
            Append(escaped, out);
          } else {
            out.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

void SetUpLogging(const config::Log& log) {
  auto logger = spdlog::stderr_logger_mt("freshd");
  spdlog::set_default_logger(logger);
  spdlog::set_level(ToSpdlog(log.level));
  const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  if (log.format == config::Log::Format::kJson) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":"%*"})");
    spdlog::set_formatter(std::move(formatter));
  } else if (journal) {
    spdlog::set_pattern("%l: %v");
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  }
}

}  // namespace freshd::daemon
