#include "tests/daemon/fake_fetcher.h"

#include <boost/asio/post.hpp>
#include <functional>

namespace freshd::testing {

FakeFetcher::FakeFetcher(boost::asio::io_context& io, const scheduler::Clock& clock)
    : io_(io), clock_(clock) {}

watchers::HttpResponse FakeFetcher::Html(const std::string& body) {
  watchers::HttpResponse response;
  response.status = 200;
  response.body = body;
  response.content_type = "text/html";
  response.etag = "\"" + std::to_string(std::hash<std::string>{}(body)) + "\"";
  return response;
}

watchers::HttpResponse FakeFetcher::Xml(const std::string& body) {
  watchers::HttpResponse response = Html(body);
  response.content_type = "application/xml";
  return response;
}

watchers::HttpResponse FakeFetcher::Failure(watchers::FetchError error,
                                            const std::string& message) {
  watchers::HttpResponse response;
  response.error = error;
  response.message = message;
  return response;
}

void FakeFetcher::Script(const std::string& url, std::vector<watchers::HttpResponse> answers) {
  Route& route = routes_[url];
  route.answers = std::move(answers);
  route.next = 0;
  route.make = nullptr;
}

void FakeFetcher::Respond(const std::string& url, Responder make) {
  Route& route = routes_[url];
  route.answers.clear();
  route.next = 0;
  route.make = std::move(make);
}

void FakeFetcher::Fetch(watchers::HttpRequest request, Callback done) {
  Route& route = routes_[request.url];
  route.requests.push_back(clock_.Now());
  watchers::HttpResponse answer =
      Failure(watchers::FetchError::kConnect, "no script for " + request.url);
  if (route.make) {
    answer = route.make();
  } else if (!route.answers.empty()) {
    answer = route.answers[std::min(route.next, route.answers.size() - 1)];
    ++route.next;
  }
  if (answer.error == watchers::FetchError::kNone && !answer.etag.empty() &&
      request.if_none_match == answer.etag) {
    answer.status = 304;
    answer.not_modified = true;
    answer.body.clear();
  }
  answer.effective_url = request.url;
  boost::asio::post(io_, [this, generation = generation_, answer = std::move(answer),
                          done = std::move(done)]() mutable {
    if (generation == generation_) done(std::move(answer));
  });
}

int FakeFetcher::Requests(const std::string& url) const {
  auto found = routes_.find(url);
  return found == routes_.end() ? 0 : static_cast<int>(found->second.requests.size());
}

std::vector<scheduler::TimePoint> FakeFetcher::RequestTimes(const std::string& url) const {
  auto found = routes_.find(url);
  return found == routes_.end() ? std::vector<scheduler::TimePoint>{} : found->second.requests;
}

}  // namespace freshd::testing
