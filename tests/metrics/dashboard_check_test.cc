// dashboard_check refuses a dashboard that would mix or merge freshd instances: a missing
// job or instance variable, a query without their filter, an aggregation without instance.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "dashboard_queries.h"

using freshd_assets::AggregationsMergingInstances;
using freshd_assets::SelectorsWithoutInstanceFilter;
using nlohmann::json;

namespace {

json ShippedDashboard() {
  std::ifstream in(FRESHD_DASHBOARD);
  return json::parse(in);
}

// Runs dashboard_check on `dashboard`; returns its exit status and what it printed.
int Check(const json& dashboard, std::string& output) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("freshd-dashboard-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << dashboard.dump(2);
  const std::string command =
      std::string(FRESHD_DASHBOARD_CHECK) + " " + FRESHD_PROMTOOL + " " + file.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  for (std::size_t n = 0; (n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  std::filesystem::remove(file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

json& FirstTarget(json& dashboard, const std::string& title) {
  for (json& panel : dashboard["panels"]) {
    if (panel["title"] == title) return panel["targets"][0];
  }
  FAIL("no panel " << title);
  return dashboard;
}

}  // namespace

TEST_CASE("selectors need both the job and the instance matcher") {
  CHECK(SelectorsWithoutInstanceFilter(
            R"(rate(freshd_source_checks_total{job=~"$job", instance=~"$instance"}[5m]))")
            .empty());
  CHECK(SelectorsWithoutInstanceFilter(R"(freshd_index_chunks{job=~"$job"})") ==
        std::vector<std::string>{"freshd_index_chunks"});
  CHECK(SelectorsWithoutInstanceFilter("process_open_fds") ==
        std::vector<std::string>{"process_open_fds"});
}

TEST_CASE("aggregations must keep the instance label") {
  CHECK(AggregationsMergingInstances("sum by (instance, sink) (x)").empty());
  CHECK(AggregationsMergingInstances("max without (sink) (x)").empty());
  CHECK(AggregationsMergingInstances("sum by (sink) (x)").size() == 1);
  CHECK(AggregationsMergingInstances("sum(x)").size() == 1);
  CHECK(AggregationsMergingInstances("max without (instance) (x)").size() == 1);
  // Function names that end in an aggregation's name are not aggregations.
  CHECK(AggregationsMergingInstances("max_over_time(x[5m]) + histogram_quantile(0.5, y)").empty());
}

TEST_CASE("the shipped dashboard passes the check") {
  std::string output;
  CHECK(Check(ShippedDashboard(), output) == 0);
  INFO(output);
}

TEST_CASE("a dashboard without the instance variable is refused") {
  json dashboard = ShippedDashboard();
  json& list = dashboard["templating"]["list"];
  for (auto it = list.begin(); it != list.end(); ++it) {
    if ((*it)["name"] == "instance") {
      list.erase(it);
      break;
    }
  }
  std::string output;
  CHECK(Check(dashboard, output) == 1);
  CHECK(output.find("no variable named instance") != std::string::npos);
  // The queries that still use $instance name it undefined.
  CHECK(output.find("uses undefined variable $instance") != std::string::npos);
}

TEST_CASE("a query without the job and instance filter is refused") {
  json dashboard = ShippedDashboard();
  FirstTarget(dashboard, "Index chunks")["expr"] = "max by (instance, sink) (freshd_index_chunks)";
  std::string output;
  CHECK(Check(dashboard, output) == 1);
  CHECK(output.find("\"Index chunks\" target A: freshd_index_chunks lacks the filter") !=
        std::string::npos);
}

TEST_CASE("a query that merges two instances into one line is refused") {
  json dashboard = ShippedDashboard();
  FirstTarget(dashboard, "Index chunks")["expr"] =
      R"(max by (sink) (freshd_index_chunks{job=~"$job", instance=~"$instance"}))";
  std::string output;
  CHECK(Check(dashboard, output) == 1);
  CHECK(output.find("merges instances") != std::string::npos);
}
