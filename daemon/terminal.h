// What the command line prints for a person at a terminal: colour (only on a terminal, and
// never with NO_COLOR set, https://no-color.org), tables whose columns fit their content,
// and one progress line rewritten in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace spdlog {
class logger;
namespace sinks {
class sink;
}  // namespace sinks
}  // namespace spdlog

namespace freshd::daemon {

// True when `fd` is a terminal and NO_COLOR is unset or empty.
bool IsColourTerminal(int fd);

enum class Colour { kBold, kRed, kGreen, kYellow };

// `text` between the escape codes of `colour` when `enabled`; `text` unchanged otherwise.
std::string Paint(std::string_view text, Colour colour, bool enabled);

// The columns `text` takes on a terminal: UTF-8 characters, escape sequences excluded (a
// wide character counts as one).
std::size_t VisibleWidth(std::string_view text);

// Rows printed as columns, each as wide as its widest cell measured on the visible text (so
// painted cells line up), two spaces apart, nothing after the last cell of a row.
class Table {
 public:
  enum class Align { kLeft, kRight };

  // `align[i]` for column i; columns beyond it are left-aligned.
  explicit Table(std::vector<Align> align = {});
  void AddRow(std::vector<std::string> cells);
  std::string Render() const;

 private:
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// A duration for a person: "237 ms" below a second, "42 s" below a minute, then "5.0 min",
// "3.2 h", "12.5 d"; "0 s" for zero or less, "< 1 ms" below a millisecond.
std::string HumanSeconds(double seconds);

// Where a run of every source stands, for the progress line of `freshd once`.
struct RunProgress {
  std::size_t sources = 0;
  std::size_t sources_done = 0;
  std::uint64_t documents_checked = 0;
  std::uint64_t changed = 0;
  double seconds = 0;
};

// "checking: 3/7 sources done, 1234 documents checked, 12 changed, 5.3 s"
std::string FormatProgress(const RunProgress& progress);

// A line at the bottom of a terminal, rewritten in place. Thread-safe: a log line written
// from another thread goes through Interrupt(), which erases the line first (the next Show()
// draws it again below the log line).
class ProgressLine {
 public:
  explicit ProgressLine(std::FILE* stream) : stream_(stream) {}
  ~ProgressLine() { Clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void Show(std::string_view text);
  void Clear();
  template <typename Write>
  void Interrupt(Write write) {
    std::lock_guard lock(mutex_);
    EraseLocked();
    write();
  }

 private:
  void EraseLocked();

  std::mutex mutex_;
  std::FILE* stream_;
  bool shown_ = false;
};

// While it lives, every message of `logger` erases `line` before it is written, so log
// lines never run into the progress line. Install and remove it while no other thread logs.
class LogAroundProgress {
 public:
  LogAroundProgress(spdlog::logger& logger, ProgressLine& line);
  ~LogAroundProgress();
  LogAroundProgress(const LogAroundProgress&) = delete;
  LogAroundProgress& operator=(const LogAroundProgress&) = delete;

 private:
  spdlog::logger& logger_;
  std::vector<std::shared_ptr<spdlog::sinks::sink>> original_;
};

}  // namespace freshd::daemon
