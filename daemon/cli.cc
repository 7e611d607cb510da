#include "daemon/cli.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/cli_json.h"
#include "daemon/cli_rag.h"
#include "daemon/cli_status.h"
#include "daemon/daemon.h"
#include "daemon/engine.h"
#include "daemon/logging.h"
#include "daemon/terminal.h"
#include "scheduler/clock.h"
#include "version.h"

namespace freshd::daemon {
namespace {

constexpr const char* kDefaultConfig = "/etc/freshd/freshd.yaml";
constexpr const char* kDefaultUrl = "http://127.0.0.1:9711";

constexpr const char* kUsage = R"(usage: freshd COMMAND [OPTIONS]

Watches the documents behind AI workloads and records every change.

commands:
  run -c FILE            run the daemon in the foreground (systemd runs this)
  once -c FILE           check every source once, print a summary, exit
  check-config -c FILE   validate a configuration file; print every problem
  status [--url URL]     sources of a running daemon (default http://127.0.0.1:9711)
  explain WORKLOAD [--url URL]
                         the decision path for one workload, with its numbers
  search QUERY [-k N] [--url URL]
                         the top chunks of the embedded RAG store, with their sources
  reconcile [--url URL]  compare the RAG sink with freshd's documents; queue repairs

options:
  -c, --config FILE      configuration file (default /etc/freshd/freshd.yaml)
  --url URL              address of a running daemon
  -h, --help             this text; `freshd COMMAND --help` for one command
  --version              print the version
)";

const std::map<std::string, std::string>& CommandHelp() {
  static const std::map<std::string, std::string> help = {
      {"run",
       "usage: freshd run [-c FILE]\n\nRuns the daemon in the foreground: checks every source "
       "on its schedule, records\nevery change, serves /metrics, /healthz, /readyz and "
       "/api/v1/* on `listen`.\nSIGHUP reloads the configuration; SIGTERM or SIGINT stops.\n"},
      {"once",
       "usage: freshd once [-c FILE]\n\nChecks every source once, records what changed, prints "
       "a summary and exits:\n0 when every source could be checked, 1 otherwise.\n"},
      {"check-config",
       "usage: freshd check-config [-c FILE]\n\nValidates the configuration and prints every "
       "problem as FILE:LINE:COL: message.\nExits 0 when valid, 1 otherwise.\n"},
      {"explain",
       "usage: freshd explain WORKLOAD [--url URL]\n\nPrints how a running daemon decides "
       "between RAG and fine-tuning for one\nworkload: change interval and bounds, thresholds, "
       "each step of the decision\ntable, and what data is still missing.\n"},
      {"search",
       "usage: freshd search QUERY [-k N] [--url URL]\n\nPrints the N (default 5) chunks of "
       "a running daemon's embedded RAG store that\nbest match QUERY (BM25 blended with vector "
       "similarity), each with its\nsource URI, workload and fetch time.\n"},
      {"reconcile",
       "usage: freshd reconcile [--url URL]\n\nAsks a running daemon to list what its RAG "
       "sink holds, compare it with the\nchunks of the documents it watches, and queue the "
       "upserts and deletes that\nrepair the difference (delivered like any other change).\n"},
      {"status",
       "usage: freshd status [--url URL]\n\nPrints the sources of a running daemon "
       "(default URL http://127.0.0.1:9711).\n"},
  };
  return help;
}

struct Arguments {
  std::string command;
  std::vector<std::string> operands;  // words after the command
  std::string config_file = kDefaultConfig;
  std::string url = kDefaultUrl;
  std::size_t results = 5;  // search -k
  bool help = false;
};

// Returns nullopt (after printing why) on a usage error.
std::optional<Arguments> Parse(int argc, char** argv) {
  Arguments arguments;
  std::vector<std::string> words(argv + 1, argv + argc);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    auto value = [&](const char* flag) -> std::optional<std::string> {
      if (i + 1 >= words.size()) {
        std::cerr << "freshd: " << flag << " needs a value\n";
        return std::nullopt;
      }
      return words[++i];
    };
    if (word == "-h" || word == "--help") {
      arguments.help = true;
    } else if (word == "-c" || word == "--config") {
      auto file = value("--config");
      if (!file) return std::nullopt;
      arguments.config_file = *file;
    } else if (word == "--url") {
      auto url = value("--url");
      if (!url) return std::nullopt;
      arguments.url = *url;
    } else if (arguments.command.empty() && !word.starts_with("-")) {
      arguments.command = word;
    } else if (word == "-k" && arguments.command == "search") {
      auto count = value("-k");
      if (!count) return std::nullopt;
      arguments.results = std::max(1ul, std::strtoul(count->c_str(), nullptr, 10));
    } else if ((arguments.command == "explain" || arguments.command == "search") &&
               !word.starts_with("-")) {
      arguments.operands.push_back(word);
    } else {
      std::cerr << "freshd: unexpected argument '" << word << "'\n" << kUsage;
      return std::nullopt;
    }
  }
  return arguments;
}

std::optional<config::Config> LoadConfig(const std::string& file, std::ostream& errors) {
  config::LoadResult loaded = LoadConfigForEngine(file);
  for (const auto& error : loaded.errors) errors << error.ToString() << "\n";
  return loaded.config;
}

int CheckConfig(const Arguments& arguments) {
  auto loaded = LoadConfig(arguments.config_file, std::cerr);
  if (!loaded) return 1;
  std::size_t sources = 0;
  for (const auto& workload : loaded->workloads) sources += workload.sources.size();
  std::cout << arguments.config_file << ": ok (" << loaded->workloads.size() << " workloads, "
            << sources << " sources)\n";
  return 0;
}

// "3.2 d", "5.0 h", "42 s", "237 ms" (daemon/terminal.h); "unbounded" for null (infinity).
std::string DurationText(const nlohmann::json& value) {
  if (!value.is_number()) return "unbounded";
  return HumanSeconds(value.get<double>());
}

void PrintAssessment(const nlohmann::json& v, bool colour) {
  const auto& interval = v["change_interval_seconds"];
  std::cout << "workload " << Text(v["workload"]) << " runs on " << Text(v["strategy"]) << "\n"
            << "recommendation: " << Paint(Text(v["recommendation"]), Colour::kBold, colour)
            << " (published)"
            << (v["mismatch"].get<bool>()
                    ? ", " + Paint("differs from the strategy", Colour::kYellow, colour)
                    : "")
            << "\n"
            << "current assessment: " << Text(v["current_recommendation"]);
  if (!v["candidate_since"].is_null()) {
    std::cout << ", holding since " << Text(v["candidate_since"]);
  }
  std::cout << "\nfrequency: " << Text(v["frequency"])
            << "\nchange interval: " << DurationText(interval["estimate"]) << " (bounds "
            << DurationText(interval["lower"]) << " to " << DurationText(interval["upper"]) << ")\n"
            << "observations: " << Text(v["rate"]["checks"]) << " checks, "
            << Text(v["rate"]["changes"]) << " changes over "
            << DurationText(v["rate"]["observed_seconds"]) << " (" << Text(v["rate"]["method"])
            << ")\n";
  const auto& reported = v["rate"]["reported_seconds"];
  if (reported.is_number() && reported.get<double>() > 0) {
    std::cout << "reported history: " << DurationText(reported) << " per document, "
              << Text(v["rate"]["reported_changes"]) << " reported changes\n";
  }
}

void PrintDecisionPath(const nlohmann::json& v) {
  std::cout << "\ndecision path:\n";
  int step = 0;
  for (const auto& reason : v["reasons"]) {
    std::cout << "  " << ++step << ". " << Text(reason) << "\n";
  }
  if (!v["missing"].empty()) {
    std::cout << "\nstill missing:\n";
    for (const auto& missing : v["missing"]) std::cout << "  - " << Text(missing) << "\n";
  }
}

std::string SourceRatesTable(const nlohmann::json& sources) {
  Table table;
  table.AddRow({"SOURCE", "FREQUENCY", "CHANGE INTERVAL"});
  for (const auto& source : sources) {
    const auto& rate = source["rate"]["per_second"];
    const nlohmann::json interval_estimate = rate.is_number() && rate.get<double>() > 0
                                                 ? nlohmann::json(1.0 / rate.get<double>())
                                                 : nlohmann::json(nullptr);
    table.AddRow(
        {Text(source["source"]), Text(source["frequency"]), DurationText(interval_estimate)});
  }
  return table.Render();
}

std::string Fixed(const nlohmann::json& value, int digits) {
  if (!value.is_number()) return "-";
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value.get<double>();
  return out.str();
}

// How each of the workload's sources is polled: its interval, or for an adaptive one its
// budget, the allocation's summary and what its hints are worth.
void PrintPolling(const nlohmann::json& sources, const std::string& workload) {
  std::cout << "\npolling:\n";
  for (const auto& source : sources) {
    if (Text(source["workload"]) != workload) continue;
    const auto& schedule = source["schedule"];
    std::cout << "  " << Text(source["source"]) << ": ";
    if (Text(schedule["mode"]) != "adaptive") {
      std::cout << "every " << DurationText(schedule["interval_seconds"]) << "\n";
      continue;
    }
    std::cout << "adaptive, budget " << Text(schedule["budget"]);
    const auto& a = schedule["allocation"];
    if (a.is_null() || a["documents"].get<double>() == 0) {
      std::cout << "; not allocated yet (after an assessment that finds documents)\n";
    } else {
      std::cout << "; " << Text(a["documents"]) << " documents, "
                << Fixed(a["planned_requests_per_second"], 3) << " checks/s planned, intervals "
                << DurationText(a["shortest_interval_seconds"]) << " / "
                << DurationText(a["median_interval_seconds"]) << " / "
                << DurationText(a["longest_interval_seconds"])
                << " (shortest / median / longest), expected freshness "
                << Fixed(a["expected_freshness"], 3) << "\n";
    }
    const auto& hints = schedule["hints"];
    if (!hints.is_null() &&
        hints["hinted_checks"].get<double>() + hints["changes"].get<double>() == 0) {
      std::cout << "    change hints: followed; no evidence of their worth yet\n";
    } else if (!hints.is_null()) {
      std::cout << "    change hints: precision " << Fixed(hints["precision"], 2) << ", recall "
                << Fixed(hints["recall"], 2) << ", "
                << (hints["followed"].get<bool>() ? "followed" : "not followed (they mislead)")
                << "\n";
    }
  }
}

int Explain(const Arguments& arguments) {
  if (arguments.operands.size() != 1) {
    std::cerr << "freshd: explain needs one WORKLOAD\n" << CommandHelp().at("explain");
    return 2;
  }
  Result<nlohmann::json> view =
      GetJson(arguments.url + "/api/v1/workloads/" + arguments.operands[0]);
  if (!view.ok() || view->contains("error")) {
    std::cerr << "freshd: " << (view.ok() ? Text((*view)["error"]) : view.status().message())
              << "\n";
    return 1;
  }
  const auto& v = *view;
  const bool colour = IsColourTerminal(STDOUT_FILENO);
  PrintAssessment(v, colour);
  PrintDecisionPath(v);
  std::cout << "\n" << SourceRatesTable(v["sources"]);
  if (Result<nlohmann::json> sources = GetJson(arguments.url + "/api/v1/sources"); sources.ok()) {
    PrintPolling((*sources)["sources"], arguments.operands[0]);
  }
  if (Text(v["recommendation"]) == "hybrid") {
    std::cout << "\nhybrid: RAG side " << v["hybrid_split"]["rag"].dump() << ", fine-tuning side "
              << v["hybrid_split"]["fine_tuning"].dump() << "\n";
  }
  return 0;
}

int RunDaemon(const Arguments& arguments, bool once) {
  auto loaded = LoadConfig(arguments.config_file, std::cerr);
  if (!loaded) return 1;
  SetUpLogging(loaded->log);
  scheduler::SystemClock clock;
  Daemon daemon(std::move(*loaded), clock);
  return once ? daemon.Once(std::cout) : daemon.Run();
}

}  // namespace

int RunCommandLine(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::cout << "freshd " << FRESHD_VERSION << "\n";
    return 0;
  }
  auto arguments = Parse(argc, argv);
  if (!arguments) return 2;
  if (arguments->command.empty()) {
    (arguments->help ? std::cout : std::cerr) << kUsage;
    return arguments->help ? 0 : 2;
  }
  if (arguments->help) {
    auto found = CommandHelp().find(arguments->command);
    if (found == CommandHelp().end()) {
      std::cerr << "freshd: unknown command '" << arguments->command << "'\n" << kUsage;
      return 2;
    }
    std::cout << found->second;
    return 0;
  }
  try {
    if (arguments->command == "run") return RunDaemon(*arguments, /*once=*/false);
    if (arguments->command == "once") return RunDaemon(*arguments, /*once=*/true);
    if (arguments->command == "check-config") return CheckConfig(*arguments);
    if (arguments->command == "status") return StatusCommand(arguments->url);
    if (arguments->command == "explain") return Explain(*arguments);
    if (arguments->command == "reconcile") return ReconcileCommand(arguments->url);
    if (arguments->command == "search") {
      if (arguments->operands.empty()) {
        std::cerr << "freshd: search needs a QUERY\n" << CommandHelp().at("search");
        return 2;
      }
      std::string query;
      for (const auto& word : arguments->operands) query += (query.empty() ? "" : " ") + word;
      return SearchCommand(arguments->url, query, arguments->results);
    }
  } catch (const std::exception& error) {
    // The edge of the program: anything unexpected ends here with a message, not a trace.
    std::cerr << "freshd: " << error.what() << "\n";
    return 1;
  }
  std::cerr << "freshd: unknown command '" << arguments->command << "'\n" << kUsage;
  return 2;
}

}  // namespace freshd::daemon
