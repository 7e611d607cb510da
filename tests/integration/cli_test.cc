// What the command line prints for a person: tables whose columns fit their content, colour
// only on a terminal (and never with NO_COLOR), and a progress line for `freshd once` only
// when stderr is a terminal. `script` (util-linux) gives a command a pseudo-terminal.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "daemon/terminal.h"
#include "tests/integration/daemon_under_test.h"
#include "tests/support/fault_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using freshd::daemon::Colour;
using freshd::daemon::FormatProgress;
using freshd::daemon::HumanSeconds;
using freshd::daemon::IsColourTerminal;
using freshd::daemon::Paint;
using freshd::daemon::RunProgress;
using freshd::daemon::Table;
using freshd::daemon::VisibleWidth;
using freshd::testing::Config;
using freshd::testing::DaemonUnderTest;
using freshd::testing::DirectorySource;
using freshd::testing::FaultServer;
using freshd::testing::FreePort;
using freshd::testing::FreshdBinary;
using freshd::testing::RunCommand;
using freshd::testing::TempDir;
using freshd::testing::WriteFile;

namespace {

constexpr const char* kLongName = "a-source-name-much-longer-than-the-old-fixed-columns";

std::string StripEscapes(const std::string& text) {
  static const std::regex escape("\x1b\\[[0-9;]*[A-Za-z]");
  return std::regex_replace(text, escape, "");
}

// The lines of `text`, without the "\r" a pseudo-terminal puts before each "\n".
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.ends_with('\r')) line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// The header line of a table (the one starting with `first_heading`) and the rows after it.
std::vector<std::string> TableLines(const std::string& text, const std::string& first_heading) {
  std::vector<std::string> table;
  for (const auto& line : Lines(text)) {
    if (line.starts_with(first_heading)) table.clear();
    if (line.starts_with(first_heading) || !table.empty()) table.push_back(line);
  }
  return table;
}

// True when `cell` starts a column at `offset` of `line`.
bool CellAt(const std::string& line, std::size_t offset, const std::string& cell) {
  return line.compare(offset, cell.size(), cell) == 0 && (offset == 0 || line[offset - 1] == ' ');
}

// The status table's left-aligned columns start where their headings do, and the
// right-aligned ERRORS column ends where its heading does, in every row.
void CheckStatusColumns(const std::vector<std::string>& table) {
  REQUIRE(table.size() == 3);
  const std::string& header = table[0];
  const std::size_t source = header.find("SOURCE");
  const std::size_t kind = header.find("KIND");
  const std::size_t state = header.find("STATE");
  const std::size_t errors_end = header.find("ERRORS") + std::string("ERRORS").size();
  const std::size_t last_check = header.find("LAST CHECK");
  for (std::size_t row = 1; row < table.size(); ++row) {
    const std::string& line = table[row];
    INFO(header << "\n" << line);
    CHECK(CellAt(line, 0, "docs"));
    CHECK((CellAt(line, source, "handbook") || CellAt(line, source, kLongName)));
    CHECK(CellAt(line, kind, "directory"));
    CHECK(CellAt(line, state, "ok"));
    REQUIRE(line.size() > errors_end);
    CHECK(std::isdigit(static_cast<unsigned char>(line[errors_end - 1])));
    CHECK(line[errors_end] == ' ');
    CHECK(line[last_check - 1] == ' ');
    CHECK(line[last_check] != ' ');
  }
}

// A command line for `script -c`, each word single-quoted.
std::string ShellWords(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) {
    line += (line.empty() ? "'" : " '") + std::regex_replace(word, std::regex("'"), "'\\''") + "'";
  }
  return line;
}

// Runs `words` on a pseudo-terminal: stdout and stderr are both the terminal.
int RunOnTerminal(const std::vector<std::string>& words, std::string* output) {
  return RunCommand({"script", "-qec", ShellWords(words), "/dev/null"}, output);
}

bool WriteDocument(const TempDir& dir) {
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  return true;
}

// A running daemon with two directory sources, one named far longer than the others.
struct TwoSources {
  TwoSources()
      : freshd(
            dir, "1h", "",
            DirectorySource("handbook", dir / "docs") + DirectorySource(kLongName, dir / "docs")) {}
  TempDir dir;
  bool written = WriteDocument(dir);  // before the daemon starts
  DaemonUnderTest freshd;
};

}  // namespace

TEST_CASE("Paint adds escape codes only when enabled and VisibleWidth skips them") {
  CHECK(Paint("ok", Colour::kGreen, false) == "ok");
  CHECK(Paint("ok", Colour::kGreen, true) == "\x1b[32mok\x1b[0m");
  CHECK(Paint("failing", Colour::kRed, true) == "\x1b[31mfailing\x1b[0m");
  CHECK(VisibleWidth(Paint("undecided", Colour::kBold, true)) == 9);
  CHECK(VisibleWidth("\x1b[1;33mwarn\x1b[0m") == 4);
  CHECK(VisibleWidth("r\xc3\xa9sum\xc3\xa9") == 6);  // "résumé": 6 characters, 8 bytes
  CHECK(VisibleWidth("") == 0);
}

TEST_CASE("Table sizes columns to their widest cell and aligns painted cells by visible text") {
  Table table({Table::Align::kLeft, Table::Align::kLeft, Table::Align::kRight});
  table.AddRow({"SOURCE", "STATE", "DOCUMENTS", "LAST"});
  table.AddRow({kLongName, Paint("ok", Colour::kGreen, true), "7", "x"});
  table.AddRow({"s", Paint("failing", Colour::kRed, true), "12345678901", "y"});
  const std::string painted = table.Render();
  CHECK(painted.find("\x1b[32mok\x1b[0m") != std::string::npos);
  const auto lines = Lines(StripEscapes(painted));
  REQUIRE(lines.size() == 3);
  const std::size_t state = std::string(kLongName).size() + 2;
  const std::size_t documents_end = state + std::string("failing").size() + 2 + 11;
  CHECK(lines[0] ==
        std::string("SOURCE") + std::string(state - 6, ' ') + "STATE    " + "  DOCUMENTS  LAST");
  for (const auto& line : lines) {
    INFO(line);
    CHECK(line[state - 1] == ' ');
    CHECK(line[state] != ' ');
    CHECK(line[documents_end - 1] != ' ');  // right-aligned: every cell ends here
    CHECK(line.substr(documents_end, 2) == "  ");
    CHECK(line[documents_end + 2] != ' ');
    CHECK(!line.ends_with(' '));  // the last column is not padded
  }
}

TEST_CASE("IsColourTerminal is true only for a terminal and only without NO_COLOR") {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(grantpt(master) == 0);
  REQUIRE(unlockpt(master) == 0);
  const int terminal = open(ptsname(master), O_RDWR | O_NOCTTY);
  REQUIRE(terminal >= 0);
  int pipe_ends[2];
  REQUIRE(pipe(pipe_ends) == 0);

  unsetenv("NO_COLOR");
  CHECK(IsColourTerminal(terminal));
  CHECK_FALSE(IsColourTerminal(pipe_ends[1]));
  setenv("NO_COLOR", "1", 1);
  CHECK_FALSE(IsColourTerminal(terminal));
  setenv("NO_COLOR", "", 1);  // "present and not an empty string" disables it
  CHECK(IsColourTerminal(terminal));
  unsetenv("NO_COLOR");
  for (const int fd : {master, terminal, pipe_ends[0], pipe_ends[1]}) close(fd);
}

TEST_CASE("status fits its columns to a long source name and prints no colour into a file") {
  TwoSources daemon;
  REQUIRE(daemon.freshd.Ready());
  std::string output;
  REQUIRE(RunCommand({FreshdBinary(), "status", "--url", daemon.freshd.base}, &output) == 0);
  INFO(output);
  CHECK(output.find('\x1b') == std::string::npos);
  CheckStatusColumns(TableLines(output, "WORKLOAD"));
}

TEST_CASE("status on a terminal paints the state and keeps its columns aligned") {
  TwoSources daemon;
  REQUIRE(daemon.freshd.Ready());
  const std::vector<std::string> status = {FreshdBinary(), "status", "--url", daemon.freshd.base};
  std::string output;
  REQUIRE(RunOnTerminal(status, &output) == 0);
  INFO(output);
  CHECK(output.find("\x1b[32mok\x1b[0m") != std::string::npos);
  CheckStatusColumns(TableLines(StripEscapes(output), "WORKLOAD"));

  setenv("NO_COLOR", "1", 1);
  const int code = RunOnTerminal(status, &output);
  unsetenv("NO_COLOR");
  CHECK(code == 0);
  CHECK(output.find('\x1b') == std::string::npos);
}

TEST_CASE("durations under a second print in milliseconds and longer ones in their unit") {
  CHECK(HumanSeconds(0.237) == "237 ms");
  CHECK(HumanSeconds(0.0004) == "< 1 ms");
  CHECK(HumanSeconds(0.9996) == "1 s");
  CHECK(HumanSeconds(0) == "0 s");
  CHECK(HumanSeconds(42) == "42 s");
  CHECK(HumanSeconds(90) == "1.5 min");
  CHECK(HumanSeconds(5 * 3600) == "5.0 h");
  CHECK(HumanSeconds(3.2 * 86400) == "3.2 d");
}

TEST_CASE("FormatProgress says how far a run is") {
  RunProgress progress{
      .sources = 7, .sources_done = 3, .documents_checked = 1234, .changed = 12, .seconds = 5.34};
  CHECK(FormatProgress(progress) ==
        "checking: 3/7 sources done, 1234 documents checked, 12 changed, 5.3 s");
}

TEST_CASE("once shows a progress line when stderr is a terminal and none otherwise") {
  TempDir dir;
  for (int i = 0; i < 300; ++i) {
    WriteFile(dir.path() / "docs" / ("doc" + std::to_string(i) + ".md"),
              "# doc " + std::to_string(i) + "\n\nsome text\n");
  }
  // A page that takes 1.2 s to answer keeps the run going after the folder is done, so that
  // the line (drawn every 200 ms) shows up whatever the speed of the machine.
  FaultServer server;
  server.Route("/slow.html", FaultServer::Handler{[](const FaultServer::Request&) {
                 std::this_thread::sleep_for(std::chrono::milliseconds(1200));
                 return FaultServer::Plain()
                     .Header("Content-Type", "text/html")
                     .Body("<html><body><p>slow</p></body></html>");
               }});
  const std::string file = dir / "freshd.yaml";
  WriteFile(file, Config(dir, FreePort(),
                         DirectorySource("handbook", dir / "docs") +
                             "      - name: slow\n        http: { url: \"" +
                             server.Url("/slow.html") + "\" }\n"));
  const std::vector<std::string> once = {FreshdBinary(), "once", "-c", file};

  std::string output;
  REQUIRE(RunCommand(once, &output) == 0);
  INFO(output);
  CHECK(output.find("2 sources, 301 documents checked, 301 changed") != std::string::npos);
  CHECK(output.find("checking:") == std::string::npos);
  CHECK(output.find('\r') == std::string::npos);
  CHECK(output.find('\x1b') == std::string::npos);

  REQUIRE(RunOnTerminal(once, &output) == 0);
  INFO(output);
  CHECK(output.find("\r\x1b[Kchecking: 1/2 sources done, 300 documents checked, 0 changed, ") !=
        std::string::npos);
  // The line is erased before the summary is printed.
  CHECK(output.find("\r\x1b[KSOURCE") != std::string::npos);
  CHECK(output.find("2 sources, 301 documents checked, 0 changed") != std::string::npos);
}
