#include "tests/git/http_backend.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

namespace freshd::testing {
namespace {

// Runs `git http-backend` with the CGI environment, `body` on stdin; returns its output.
std::string RunCgi(const std::vector<std::string>& environment, const std::string& body,
                   const std::filesystem::path& scratch) {
  const auto input = scratch / "request";
  const auto output = scratch / "response";
  WriteFile(input, body);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, input.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> envp;
  for (const auto& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  char git[] = "git";
  char backend[] = "http-backend";
  char* argv[] = {git, backend, nullptr};
  pid_t pid = -1;
  const int error = posix_spawnp(&pid, "git", &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error("cannot start git http-backend");
  int status = 0;
  waitpid(pid, &status, 0);
  return ReadFile(output);
}

// A CGI response: "Name: value" lines, a blank line, the body. "Status: 404 ..." sets it.
FaultServer::Plain ParseCgi(const std::string& output) {
  FaultServer::Plain plain;
  std::size_t position = 0;
  while (position < output.size()) {
    std::size_t end = output.find('\n', position);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(position, end - position);
    position = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = line.substr(0, colon);
    const std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
    if (name == "Status") {
      plain.Status(std::stoi(value));
    } else {
      plain.Header(name, value);
    }
  }
  return plain.Body(position < output.size() ? output.substr(position) : "");
}

}  // namespace

std::string Base64(const std::string& text) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 3) {
    unsigned value = static_cast<unsigned char>(text[i]) << 16;
    if (i + 1 < text.size()) value |= static_cast<unsigned char>(text[i + 1]) << 8;
    if (i + 2 < text.size()) value |= static_cast<unsigned char>(text[i + 2]);
    out += kDigits[(value >> 18) & 63];
    out += kDigits[(value >> 12) & 63];
    out += i + 1 < text.size() ? kDigits[(value >> 6) & 63] : '=';
    out += i + 2 < text.size() ? kDigits[value & 63] : '=';
  }
  return out;
}

GitHttpBackend::GitHttpBackend(const std::filesystem::path& root, const std::string& repository,
                               std::string user, std::string password)
    : root_(root), repository_(repository) {
  if (!password.empty()) expected_authorization_ = "Basic " + Base64(user + ":" + password);
  server_ = std::make_unique<FaultServer>();
  const FaultServer::Handler handler{
      [this](const FaultServer::Request& request) { return Answer(request); }};
  server_->Route("/" + repository_ + "/info/refs", handler);
  server_->Route("/" + repository_ + "/git-upload-pack", handler);
}

std::string GitHttpBackend::Url() const { return server_->Url("/" + repository_); }

int GitHttpBackend::Refusals() const { return refusals_.load(); }

FaultServer::Plain GitHttpBackend::Answer(const FaultServer::Request& request) {
  if (!expected_authorization_.empty() &&
      request.Header("authorization") != expected_authorization_) {
    ++refusals_;
    // No body: after a 401 with a body from this server, libgit2 1.5.1 misreads the next
    // response on the connection ("http parser error: invalid constant string"). Behind
    // nginx's auth_basic (a 401 with an HTML body) it does not: tried by hand.
    return FaultServer::Plain().Status(401).Header("WWW-Authenticate", "Basic realm=\"git\"");
  }
  const std::string& target = request.target;
  const std::size_t question = target.find('?');
  const std::vector<std::string> environment = {
      "GATEWAY_INTERFACE=CGI/1.1",
      "GIT_PROJECT_ROOT=" + root_.string(),
      "GIT_HTTP_EXPORT_ALL=1",
      "REQUEST_METHOD=" + request.method,
      "PATH_INFO=" + target.substr(0, question),
      "QUERY_STRING=" + (question == std::string::npos ? "" : target.substr(question + 1)),
      "CONTENT_TYPE=" + request.Header("content-type"),
      "CONTENT_LENGTH=" + std::to_string(request.body.size()),
      "HTTP_CONTENT_ENCODING=" + request.Header("content-encoding"),
      "REMOTE_ADDR=127.0.0.1",
      "HOME=" + scratch_.path().string(),
      "PATH=/usr/bin:/bin"};
  return ParseCgi(RunCgi(environment, request.body, scratch_.path()));
}

}  // namespace freshd::testing
