#include "daemon/terminal.h"

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace freshd::daemon {
namespace {

constexpr char kEscape = '\033';
constexpr std::string_view kReset = "\033[0m";
constexpr std::string_view kEraseLine = "\r\033[K";
constexpr std::size_t kColumnGap = 2;

std::string_view Code(Colour colour) {
  switch (colour) {
    case Colour::kBold:
      return "\033[1m";
    case Colour::kRed:
      return "\033[31m";
    case Colour::kGreen:
      return "\033[32m";
    case Colour::kYellow:
      break;
  }
  return "\033[33m";
}

// The index just past the escape sequence that starts at `at` (a CSI sequence such as
// "\033[1;31m" ends at its first byte in @..~; any other takes one byte after the ESC).
std::size_t SkipEscape(std::string_view text, std::size_t at) {
  std::size_t next = at + 1;
  if (next >= text.size()) return next;
  if (text[next] != '[') return next + 1;
  for (++next; next < text.size(); ++next) {
    if (text[next] >= '@' && text[next] <= '~') return next + 1;
  }
  return next;
}

// A line longer than the terminal is wide would wrap, and "\r" would then rewrite only its
// last row: it is cut to the width (when the stream is a terminal that says its width).
std::string_view FitToWidth(std::FILE* stream, std::string_view text) {
  winsize size{};
  if (ioctl(fileno(stream), TIOCGWINSZ, &size) != 0 || size.ws_col == 0) return text;
  return text.substr(0, static_cast<std::size_t>(size.ws_col) - 1);
}

std::string Padding(std::size_t width, std::string_view cell) {
  return std::string(width - std::min(width, VisibleWidth(cell)), ' ');
}

// Every message goes to the logger's own sinks, with the progress line erased first.
class ClearingSink final : public spdlog::sinks::sink {
 public:
  ClearingSink(ProgressLine& line, std::vector<spdlog::sink_ptr> inner)
      : line_(line), inner_(std::move(inner)) {}

  void log(const spdlog::details::log_msg& message) override {
    line_.Interrupt([&] {
      for (const auto& sink : inner_) {
        if (sink->should_log(message.level)) sink->log(message);
      }
    });
  }
  void flush() override {
    for (const auto& sink : inner_) sink->flush();
  }
  void set_pattern(const std::string& pattern) override {
    for (const auto& sink : inner_) sink->set_pattern(pattern);
  }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    for (const auto& sink : inner_) sink->set_formatter(formatter->clone());
  }

 private:
  ProgressLine& line_;
  std::vector<spdlog::sink_ptr> inner_;
};

}  // namespace

bool IsColourTerminal(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  return isatty(fd) == 1;
}

std::string Paint(std::string_view text, Colour colour, bool enabled) {
  if (!enabled) return std::string(text);
  std::string painted(Code(colour));
  painted += text;
  painted += kReset;
  return painted;
}

std::size_t VisibleWidth(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == kEscape) {
      i = SkipEscape(text, i);
      continue;
    }
    // A UTF-8 continuation byte (10xxxxxx) is part of the character before it.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++width;
    ++i;
  }
  return width;
}

Table::Table(std::vector<Align> align) : align_(std::move(align)) {}

void Table::AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

std::string Table::Render() const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], VisibleWidth(row[column]));
    }
  }
  std::string text;
  for (const auto& row : rows_) {
    for (std::size_t column = 0; column < row.size(); ++column) {
      const std::string& cell = row[column];
      const bool last = column + 1 == row.size();
      const bool right = column < align_.size() && align_[column] == Align::kRight;
      if (right) text += Padding(widths[column], cell);
      text += cell;
      if (!right && !last) text += Padding(widths[column], cell);
      if (!last) text += std::string(kColumnGap, ' ');
    }
    text += '\n';
  }
  return text;
}

std::string HumanSeconds(double seconds) {
  struct Unit {
    double seconds;
    const char* format;
  };
  static constexpr Unit kUnits[] = {
      {86400, "%.1f d"}, {3600, "%.1f h"}, {60, "%.1f min"}, {1, "%.0f s"}};
  if (seconds <= 0) return "0 s";
  if (seconds < 0.0005) return "< 1 ms";
  char text[32];
  for (const Unit& unit : kUnits) {
    if (seconds >= unit.seconds) {
      std::snprintf(text, sizeof(text), unit.format, seconds / unit.seconds);
      return text;
    }
  }
  // 999.6 ms rounds to "1000 ms": said as "1 s" instead.
  if (seconds >= 0.9995) return "1 s";
  std::snprintf(text, sizeof(text), "%.0f ms", seconds * 1000);
  return text;
}

std::string FormatProgress(const RunProgress& progress) {
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.1f s", progress.seconds);
  return "checking: " + std::to_string(progress.sources_done) + "/" +
         std::to_string(progress.sources) + " sources done, " +
         std::to_string(progress.documents_checked) + " documents checked, " +
         std::to_string(progress.changed) + " changed, " + seconds;
}

void ProgressLine::Show(std::string_view text) {
  std::lock_guard lock(mutex_);
  std::string line(kEraseLine);
  line += FitToWidth(stream_, text);
  std::fwrite(line.data(), 1, line.size(), stream_);
  std::fflush(stream_);
  shown_ = true;
}

void ProgressLine::Clear() {
  std::lock_guard lock(mutex_);
  EraseLocked();
}

void ProgressLine::EraseLocked() {
  if (!shown_) return;
  std::fwrite(kEraseLine.data(), 1, kEraseLine.size(), stream_);
  std::fflush(stream_);
  shown_ = false;
}

LogAroundProgress::LogAroundProgress(spdlog::logger& logger, ProgressLine& line)
    : logger_(logger), original_(logger.sinks()) {
  logger_.sinks() = {std::make_shared<ClearingSink>(line, original_)};
}

LogAroundProgress::~LogAroundProgress() { logger_.sinks() = original_; }

}  // namespace freshd::daemon
