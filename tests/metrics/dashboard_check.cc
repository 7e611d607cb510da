// Checks metrics/dashboard.json: valid JSON of the shape Grafana expects, the datasource,
// job, instance, workload and source variables, and for every panel a title, a type, a
// place on the grid and queries that parse, filtered by job and instance and split by
// instance (dashboard_queries.h). Each query, with Grafana's variables replaced by plain values,
// becomes a recording rule in a throwaway rules file, one file per panel, checked with
// `promtool check rules`.
//
// usage: dashboard_check PROMTOOL DASHBOARD_JSON
// Prints every problem found, naming the panel, and exits 1 if there was any.

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "dashboard_queries.h"
#include "known_metrics.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

int problems = 0;

void Fail(const std::string& where, const std::string& message) {
  std::cerr << "dashboard: " << where << ": " << message << "\n";
  ++problems;
}

std::string PanelName(const json& panel) {
  std::string name = "panel";
  if (panel.contains("id") && panel["id"].is_number_integer()) {
    name += " " + std::to_string(panel["id"].get<int>());
  }
  if (panel.contains("title") && panel["title"].is_string()) {
    name += " \"" + panel["title"].get<std::string>() + "\"";
  }
  return name;
}

std::string StringAt(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return {};
  return object[key].get<std::string>();
}

// A query variable's query is a string, or (newer Grafana) an object with a `query` key.
std::string VariableQuery(const json& variable) {
  if (!variable.contains("query")) return {};
  const json& q = variable["query"];
  if (q.is_string()) return q.get<std::string>();
  return StringAt(q, "query");
}

// Replaces Grafana's variables by values promtool accepts: time ranges by a duration,
// dashboard variables by a regex matching everything. A variable the dashboard does not
// define is reported (it would be sent to Prometheus literally).
std::string Substitute(const std::string& expr, const std::set<std::string>& variables,
                       const std::string& where) {
  static const std::regex builtin(R"(\$\{?__(rate_interval|interval|range)\}?)");
  static const std::regex variable(R"(\$\{(\w+)(:[^}]*)?\}|\$(\w+))");
  const std::string durations = std::regex_replace(expr, builtin, "5m");
  std::string out;
  auto last = durations.cbegin();
  for (auto it = std::sregex_iterator(durations.begin(), durations.end(), variable);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    const std::string name = m[1].matched ? m[1].str() : m[3].str();
    if (!variables.contains(name)) Fail(where, "uses undefined variable $" + name);
    out.append(last, m[0].first);
    out += ".*";
    last = m[0].second;
  }
  out.append(last, durations.cend());
  return out;
}

// Runs a command, returning its exit status and what it printed.
int Run(const std::string& command, std::string& output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Query {
  std::string where;  // panel and refId, for messages
  std::string expr;   // after substitution
};

// Writes the queries of one panel as recording rules and has promtool check them.
void CheckWithPromtool(const std::string& promtool, const fs::path& dir, const std::string& panel,
                       const std::vector<Query>& queries, int& file_number) {
  if (queries.empty()) return;
  const fs::path file = dir / ("panel-" + std::to_string(++file_number) + ".yml");
  {
    std::ofstream out(file);
    out << "groups:\n  - name: dashboard-check\n    rules:\n";
    int n = 0;
    for (const Query& q : queries) {
      // A JSON string is a valid YAML double-quoted scalar.
      out << "      - record: dashboard:check:" << ++n << "\n"
          << "        expr: " << json(q.expr).dump() << "\n";
    }
  }
  std::string output;
  if (Run(ShellQuote(promtool) + " check rules " + ShellQuote(file.string()), output) != 0) {
    std::string detail;
    for (size_t i = 0; i < queries.size(); ++i) {
      detail += "\n    dashboard:check:" + std::to_string(i + 1) + " = " + queries[i].where + ": " +
                queries[i].expr;
    }
    Fail(panel, "a query does not parse; promtool says:\n" + output + "  queries:" + detail);
  }
}

struct Rect {
  std::string panel;
  int x, y, w, h;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: dashboard_check PROMTOOL DASHBOARD_JSON\n";
    return 2;
  }
  const std::string promtool = argv[1];
  const std::string path = argv[2];

  json dashboard;
  try {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "dashboard: cannot open " << path << "\n";
      return 1;
    }
    dashboard = json::parse(in);
  } catch (const json::parse_error& e) {
    std::cerr << "dashboard: " << path << " is not valid JSON: " << e.what() << "\n";
    return 1;
  }
  if (!dashboard.is_object()) {
    std::cerr << "dashboard: the top level is not an object\n";
    return 1;
  }

  // --- The dashboard itself.
  if (StringAt(dashboard, "title").empty()) Fail("dashboard", "no title");
  if (StringAt(dashboard, "uid").empty()) Fail("dashboard", "no uid");
  if (!dashboard.contains("schemaVersion") || !dashboard["schemaVersion"].is_number_integer() ||
      dashboard["schemaVersion"].get<int>() < 36) {
    Fail("dashboard", "schemaVersion must be 36 or later (Grafana 9+)");
  }

  // --- Variables.
  std::set<std::string> variables;
  std::string datasource_variable;
  std::map<std::string, json> by_name;
  const json* list = nullptr;
  if (dashboard.contains("templating") && dashboard["templating"].contains("list") &&
      dashboard["templating"]["list"].is_array()) {
    list = &dashboard["templating"]["list"];
  } else {
    Fail("dashboard", "no templating.list (the variables)");
  }
  std::vector<Query> variable_queries;
  if (list != nullptr) {
    for (const json& v : *list) {
      const std::string name = StringAt(v, "name");
      if (name.empty()) {
        Fail("templating", "a variable has no name");
        continue;
      }
      variables.insert(name);
      by_name[name] = v;
      if (StringAt(v, "type") == "datasource" && StringAt(v, "query") == "prometheus") {
        datasource_variable = name;
      }
    }
  }
  if (datasource_variable.empty()) {
    Fail("templating", "no datasource variable (type datasource, query prometheus)");
  }
  const std::string datasource_uid = "${" + datasource_variable + "}";
  for (const char* name : {"job", "instance", "workload", "source"}) {
    const std::string where = std::string("variable $") + name;
    if (!by_name.contains(name)) {
      Fail("templating", std::string("no variable named ") + name);
      continue;
    }
    const json& v = by_name[name];
    if (StringAt(v, "type") != "query") Fail(where, "must be of type query");
    if (!v.value("multi", false)) Fail(where, "must allow several values (multi)");
    if (!v.value("includeAll", false)) Fail(where, "must include All (includeAll)");
    if (!v.contains("datasource") || StringAt(v["datasource"], "uid") != datasource_uid) {
      Fail(where, "must use the datasource variable (uid " + datasource_uid + ")");
    }
    // label_values(SELECTOR, label): SELECTOR must be a valid query on a freshd metric.
    static const std::regex label_values(R"(^\s*label_values\((.*),\s*(\w+)\s*\)\s*$)");
    const std::string query = VariableQuery(v);
    std::smatch m;
    if (!std::regex_match(query, m, label_values)) {
      Fail(where, "query must be label_values(<freshd metric selector>, <label>), not: " + query);
    } else if (m[2].str() != name) {
      Fail(where, "query must take the values of the label " + std::string(name));
    } else {
      variable_queries.push_back({where, Substitute(m[1].str(), variables, where)});
    }
  }

  // --- Panels (rows may nest theirs when collapsed).
  if (!dashboard.contains("panels") || !dashboard["panels"].is_array() ||
      dashboard["panels"].empty()) {
    Fail("dashboard", "no panels");
    dashboard["panels"] = json::array();
  }
  std::vector<json> panels;
  for (const json& p : dashboard["panels"]) {
    panels.push_back(p);
    if (p.is_object() && p.contains("panels") && p["panels"].is_array()) {
      for (const json& nested : p["panels"]) panels.push_back(nested);
    }
  }

  const fs::path dir =
      fs::temp_directory_path() / ("freshd-dashboard-check-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  int file_number = 0;
  CheckWithPromtool(promtool, dir, "templating", variable_queries, file_number);

  std::set<int> ids;
  std::vector<Rect> placed;
  int queries_checked = 0;
  for (const json& panel : panels) {
    const std::string name = PanelName(panel);
    if (!panel.is_object()) {
      Fail(name, "is not an object");
      continue;
    }
    if (!panel.contains("id") || !panel["id"].is_number_integer()) {
      Fail(name, "no integer id");
    } else if (!ids.insert(panel["id"].get<int>()).second) {
      Fail(name, "id used by another panel");
    }
    if (StringAt(panel, "title").empty()) Fail(name, "no title");
    const std::string type = StringAt(panel, "type");
    if (type.empty()) Fail(name, "no type");

    const json grid = panel.value("gridPos", json());
    bool grid_ok = grid.is_object();
    for (const char* key : {"x", "y", "w", "h"}) {
      grid_ok = grid_ok && grid.contains(key) && grid[key].is_number_integer();
    }
    if (!grid_ok) {
      Fail(name, "gridPos must have integer x, y, w and h");
    } else {
      const Rect r{name, grid["x"], grid["y"], grid["w"], grid["h"]};
      if (r.x < 0 || r.y < 0 || r.w < 1 || r.h < 1 || r.x + r.w > 24) {
        Fail(name, "gridPos outside the 24-column grid");
      }
      for (const Rect& o : placed) {
        if (r.x < o.x + o.w && o.x < r.x + r.w && r.y < o.y + o.h && o.y < r.y + r.h) {
          Fail(name, "overlaps " + o.panel);
        }
      }
      placed.push_back(r);
    }

    if (type == "row") continue;

    if (!panel.contains("datasource") || StringAt(panel["datasource"], "uid") != datasource_uid) {
      Fail(name, "datasource must be the datasource variable (uid " + datasource_uid + ")");
    }
    if (!panel.contains("targets") || !panel["targets"].is_array() || panel["targets"].empty()) {
      Fail(name, "no targets");
      continue;
    }
    std::vector<Query> queries;
    std::set<std::string> ref_ids;
    for (const json& target : panel["targets"]) {
      const std::string ref_id = StringAt(target, "refId");
      const std::string where = name + " target " + (ref_id.empty() ? "?" : ref_id);
      if (ref_id.empty())
        Fail(where, "no refId");
      else if (!ref_ids.insert(ref_id).second)
        Fail(where, "refId used twice in the panel");
      if (!target.contains("datasource") ||
          StringAt(target["datasource"], "uid") != datasource_uid) {
        Fail(where, "datasource must be the datasource variable (uid " + datasource_uid + ")");
      }
      const std::string expr = StringAt(target, "expr");
      if (expr.empty()) {
        Fail(where, "no expr");
        continue;
      }
      const std::vector<std::string> unknown = freshd_assets::UnknownMetrics(expr);
      for (const std::string& metric : unknown) Fail(where, "unknown metric " + metric);
      if (expr.find("freshd_") == std::string::npos && expr.find("process_") == std::string::npos) {
        Fail(where, "queries no freshd metric");
      }
      for (const std::string& metric : freshd_assets::SelectorsWithoutInstanceFilter(expr)) {
        Fail(where, metric + " lacks the filter job=~\"$job\", instance=~\"$instance\"");
      }
      for (const std::string& merge : freshd_assets::AggregationsMergingInstances(expr)) {
        Fail(where, "\"" + merge + "\" merges instances: aggregate by (instance, ...)");
      }
      queries.push_back({where, Substitute(expr, variables, where)});
    }
    queries_checked += static_cast<int>(queries.size());
    CheckWithPromtool(promtool, dir, name, queries, file_number);
  }
  fs::remove_all(dir);

  if (problems > 0) {
    std::cerr << "dashboard: " << problems << " problem(s) in " << path << "\n";
    return 1;
  }
  std::cout << "dashboard: " << panels.size() << " panels, " << queries_checked << " queries and "
            << variable_queries.size() << " variable queries OK\n";
  return 0;
}
