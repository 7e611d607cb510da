// Captures what is logged while it lives (spdlog's default logger), for tests that count
// log lines: a state change must be logged once, not at every check.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

namespace freshd::testing {

class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // How many times `needle` occurs in the log.
  int Count(const std::string& needle) const {
    const std::string text = stream_.str();
    int count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++count;
    }
    return count;
  }

  // How many lines hold `containing`.
  int Lines(const std::string& containing) const {
    std::istringstream lines(stream_.str());
    int count = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.find(containing) != std::string::npos) ++count;
    }
    return count;
  }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace freshd::testing
