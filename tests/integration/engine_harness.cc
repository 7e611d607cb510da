#include "tests/integration/engine_harness.h"

#include <sstream>
#include <stdexcept>

#include "rag/tables.h"

namespace freshd::testing {

EngineHarness::EngineHarness(const std::string& workloads_yaml, const std::string& defaults_yaml,
                             daemon::EngineOptions options, bool index_chunks)
    : guard_(boost::asio::make_work_guard(io_)) {
  const std::string yaml =
      "state_dir: " + (dir_ / "state") + "\n" + defaults_yaml + "workloads:\n" + workloads_yaml;
  config::LoadResult loaded = config::Parse(yaml, dir_ / "freshd.yaml");
  if (!loaded.config) {
    std::string errors;
    for (const auto& error : loaded.errors) errors += error.ToString() + "\n";
    throw std::runtime_error("test configuration invalid:\n" + errors);
  }
  store::StoreOptions store_options;
  rag::DeclareTables(store_options);
  auto opened = store::StateStore::Open(loaded.config->state_dir, store_options);
  if (!opened.ok()) throw std::runtime_error(opened.status().ToString());
  store_ = std::move(opened).value();
  if (options.git_dir.empty()) options.git_dir = dir_ / "git";
  if (index_chunks) {
    indexer_ = std::make_unique<rag::Indexer>(*store_, rag::ChunkingOptions{});
    options.indexer = indexer_.get();
  }
  engine_ = std::make_unique<daemon::Engine>(io_, workers_, *store_, metrics_, clock_, *fetcher_,
                                             options);
  if (const Status status = engine_->Configure(*loaded.config, [this] { io_.stop(); });
      !status.ok()) {
    throw std::runtime_error(status.message());
  }
  RunUntilStopped();
}

std::string EngineHarness::Reconfigure(const std::string& workloads_yaml) {
  const std::string yaml = "state_dir: " + (dir_ / "state") + "\nworkloads:\n" + workloads_yaml;
  config::LoadResult loaded = config::Parse(yaml, dir_ / "freshd.yaml");
  if (!loaded.config) return loaded.errors.front().ToString();
  if (const Status status = engine_->Configure(*loaded.config, [this] { io_.stop(); });
      !status.ok()) {
    return status.message();
  }
  RunUntilStopped();
  return "";
}

EngineHarness::~EngineHarness() {
  engine_->Stop();
  workers_.join();
}

void EngineHarness::RunUntilStopped() {
  io_.restart();
  io_.run();
}

void EngineHarness::RunFor(std::chrono::milliseconds duration) {
  io_.restart();
  io_.run_for(duration);
}

daemon::SourceRunResult EngineHarness::Check(const std::string& source) {
  daemon::SourceRunResult result;
  engine_->CheckSource(source, [&](daemon::SourceRunResult r) {
    result = std::move(r);
    io_.stop();
  });
  RunUntilStopped();
  return result;
}

const daemon::SourceState& EngineHarness::State(const std::string& source) const {
  return *engine_->State(source);
}

double MetricValue(const std::string& exposition, const std::string& name,
                   const std::vector<std::string>& labels) {
  std::istringstream lines(exposition);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    bool all = true;
    for (const auto& label : labels) all = all && line.find(label) != std::string::npos;
    if (all) return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

}  // namespace freshd::testing
