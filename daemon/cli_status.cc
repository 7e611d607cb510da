#include "daemon/cli_status.h"

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "daemon/cli_json.h"
#include "daemon/terminal.h"

namespace freshd::daemon {
namespace {

// "ok" in green, anything else ("failing") in red.
std::string PaintState(const std::string& state, bool colour) {
  return Paint(state, state == "ok" ? Colour::kGreen : Colour::kRed, colour);
}

// The sink's lag: the age of the oldest pending operation, or with none pending the lag of
// the last acknowledged one.
std::string IndexLag(const nlohmann::json& index) {
  const nlohmann::json oldest = index.value("oldest_pending_age_seconds", nlohmann::json());
  if (oldest.is_number()) {
    return "lag: " + HumanSeconds(oldest.get<double>()) +
           " (the oldest pending operation's change, detected " +
           Text(index["oldest_pending_detected"]) + ")";
  }
  const nlohmann::json last = index.value("last_lag_seconds", nlohmann::json());
  if (last.is_number()) {
    return "lag: " + HumanSeconds(last.get<double>()) +
           " (nothing pending; the last acknowledged operation, at " +
           Text(index.value("last_acknowledged", nlohmann::json())) + ")";
  }
  return "lag: none (nothing pending, nothing acknowledged since start-up)";
}

void PrintIndex(const nlohmann::json& index, bool colour) {
  std::cout << "rag store (" << Text(index["sink"])
            << "): " << PaintState(Text(index["state"]), colour) << ", " << Text(index["chunks"])
            << " chunks, " << Text(index["pending_operations"]) << " operations pending";
  if (!index["last_error"].is_null()) std::cout << "; " << Text(index["last_error"]);
  std::cout << "\n" << IndexLag(index) << "\n\n";
}

// The next check; while the source backs off, "backoff until T, N failures in a row".
std::string NextCheck(const nlohmann::json& source) {
  const nlohmann::json until = source.value("backoff_until", nlohmann::json());
  if (!until.is_string()) return Text(source.value("next_check", nlohmann::json()));
  return "backoff until " + until.get<std::string>() + ", " +
         Text(source.value("consecutive_failures", nlohmann::json())) + " failures in a row";
}

std::string SourcesTable(const nlohmann::json& sources, bool colour) {
  using Align = Table::Align;
  Table table({Align::kLeft, Align::kLeft, Align::kLeft, Align::kLeft, Align::kRight, Align::kRight,
               Align::kRight});
  table.AddRow({"WORKLOAD", "SOURCE", "KIND", "STATE", "DOCUMENTS", "CHANGES", "ERRORS",
                "LAST CHECK", "LAST CHANGE", "NEXT CHECK"});
  for (const auto& source : sources) {
    table.AddRow({Text(source["workload"]), Text(source["source"]), Text(source["kind"]),
                  PaintState(Text(source["state"]), colour), Text(source["documents"]),
                  Text(source["changes"]), Text(source["errors"]), Text(source["last_check"]),
                  Text(source["last_change"]), NextCheck(source)});
  }
  return table.Render();
}

}  // namespace

int StatusCommand(const std::string& url) {
  Result<nlohmann::json> sources = GetJson(url + "/api/v1/sources");
  if (!sources.ok()) {
    std::cerr << "freshd: " << sources.status().message() << "\n";
    return 1;
  }
  const bool colour = IsColourTerminal(STDOUT_FILENO);
  if (auto index = GetJson(url + "/api/v1/index"); index.ok()) PrintIndex(*index, colour);
  std::cout << SourcesTable((*sources)["sources"], colour);
  return 0;
}

}  // namespace freshd::daemon
