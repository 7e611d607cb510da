// Checks what promtool does not about metrics/alerts.yml and metrics/alerts_test.yml:
// every alert has a `for:`, a severity, and a summary and description telling the person
// on call what to do; it queries only metrics freshd exports; the comment just above each
// alert rule states its time to fire ("Fires <T> after <event>"); and the unit tests have,
// for every alert, a case where it fires and a case where it does not.
//
// usage: alerts_check ALERTS_YML ALERTS_TEST_YML
// Prints every problem found, naming the alert, and exits 1 if there was any.

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "known_metrics.h"

namespace {

int problems = 0;

void Fail(const std::string& where, const std::string& message) {
  std::cerr << "alerts: " << where << ": " << message << "\n";
  ++problems;
}

std::string Scalar(const YAML::Node& node, const char* key) {
  if (!node.IsMap() || !node[key] || !node[key].IsScalar()) return {};
  return node[key].as<std::string>();
}

// Every `- alert: NAME` line whose comment block just above has no "Fires " sentence.
void CheckTimesToFire(const char* path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  static const std::regex alert_line(R"(^\s*- alert:\s*(\S+))");
  static const std::regex comment_line(R"(^\s*#)");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (!std::regex_search(lines[i], m, alert_line)) continue;
    bool stated = false;
    for (std::size_t j = i; j > 0 && std::regex_search(lines[j - 1], comment_line); --j) {
      stated = stated || lines[j - 1].find("Fires ") != std::string::npos;
    }
    if (!stated) {
      Fail("alert " + m[1].str() + " (line " + std::to_string(i + 1) + ")",
           "no \"# Fires <T> after <event>\" comment just above it");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: alerts_check ALERTS_YML ALERTS_TEST_YML\n";
    return 2;
  }
  YAML::Node rules;
  YAML::Node tests;
  try {
    rules = YAML::LoadFile(argv[1]);
    tests = YAML::LoadFile(argv[2]);
  } catch (const YAML::Exception& e) {
    std::cerr << "alerts: " << e.what() << "\n";
    return 1;
  }

  static const std::set<std::string> severities = {"info", "warning", "critical"};
  std::set<std::string> alerts;
  for (const YAML::Node& group : rules["groups"]) {
    for (const YAML::Node& rule : group["rules"]) {
      const std::string alert = Scalar(rule, "alert");
      if (alert.empty()) continue;  // a recording rule
      alerts.insert(alert);
      const std::string where = "alert " + alert;
      if (Scalar(rule, "for").empty()) Fail(where, "no `for:`");
      if (!severities.contains(Scalar(rule["labels"], "severity"))) {
        Fail(where, "labels.severity must be info, warning or critical");
      }
      if (Scalar(rule["annotations"], "summary").empty()) Fail(where, "no summary annotation");
      const std::string description = Scalar(rule["annotations"], "description");
      if (description.empty()) {
        Fail(where, "no description annotation");
      } else if (description.find("What to do") == std::string::npos) {
        Fail(where, "the description must say what to do (\"What to do: ...\")");
      }
      for (const std::string& metric : freshd_assets::UnknownMetrics(Scalar(rule, "expr"))) {
        Fail(where, "unknown metric " + metric);
      }
    }
  }
  if (alerts.empty()) Fail(argv[1], "no alerts");
  CheckTimesToFire(argv[1]);

  // Which alerts the tests see firing, and which they see silent.
  std::map<std::string, int> fires;
  std::map<std::string, int> silent;
  for (const YAML::Node& test : tests["tests"]) {
    for (const YAML::Node& check : test["alert_rule_test"]) {
      const std::string alert = Scalar(check, "alertname");
      if (alert.empty())
        Fail(argv[2], "a test case has no alertname");
      else if (!alerts.contains(alert))
        Fail(argv[2], "tests an alert that does not exist: " + alert);
      const YAML::Node expected = check["exp_alerts"];
      if (expected && expected.IsSequence() && expected.size() > 0)
        ++fires[alert];
      else
        ++silent[alert];
    }
  }
  for (const std::string& alert : alerts) {
    if (fires[alert] == 0) Fail("alert " + alert, "no test case where it fires");
    if (silent[alert] == 0) Fail("alert " + alert, "no test case where it does not fire");
  }

  if (problems > 0) {
    std::cerr << "alerts: " << problems << " problem(s)\n";
    return 1;
  }
  std::cout << "alerts: " << alerts.size() << " alerts, each with `for:`, severity, summary, "
            << "description, a stated time to fire, and tests where it fires and where it does "
               "not\n";
  return 0;
}
