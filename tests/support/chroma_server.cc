#include "tests/support/chroma_server.h"

#include <curl/curl.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace freshd::testing {
namespace {

std::string Tail(const std::string& text, std::size_t bytes = 2000) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

std::size_t Discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

bool HeartbeatAnswers(const std::string& url) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return false;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 1000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Discard);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  }
  curl_easy_cleanup(curl);
  return status == 200;
}

}  // namespace

std::string ChromaExecutable() {
  return std::string(FRESHD_CHROMA_DIR) + "/node_modules/.bin/chroma";
}

ChromaServer::ChromaServer() : port_(FreePort()) {
  if (!std::filesystem::exists(ChromaExecutable())) {
    throw std::runtime_error("Chroma is not installed (" + ChromaExecutable() +
                             " is missing): run scripts/install-test-servers.sh");
  }
  Start();
}

ChromaServer::~ChromaServer() = default;  // ~ChildProcess stops the server

std::string ChromaServer::Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void ChromaServer::Start() {
  const std::string log = dir_ / "chroma.log";
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{ChromaExecutable(), "run", "--path", dir_ / "data", "--host",
                               "127.0.0.1", "--port", std::to_string(port_)},
      log);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!HeartbeatAnswers(Url() + "/api/v2/heartbeat")) {
    if (!process_->Running() || std::chrono::steady_clock::now() > deadline) {
      process_.reset();
      throw std::runtime_error("chroma did not start on port " + std::to_string(port_) + ": " +
                               Tail(ReadFile(log)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void ChromaServer::Stop() { process_.reset(); }

}  // namespace freshd::testing
