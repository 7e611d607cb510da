// The daemon's HTTP routes: which path answers to which method, the read endpoints, search,
// and the state-changing endpoints behind the lifecycle guard. On the event loop.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/api.h"
#include "daemon/daemon_impl.h"
#include "daemon/engine.h"
#include "daemon/http_query.h"
#include "daemon/http_server.h"
#include "daemon/lifecycle_guard.h"
#include "daemon/rag_service.h"
#include "daemon/status_page.h"
#include "metrics/metrics.h"
#include "store/state_store.h"
#include "version.h"

namespace freshd::daemon {
namespace {

namespace http = boost::beast::http;

constexpr std::size_t kDefaultDocumentPage = 1000;
constexpr std::size_t kMaxDocumentPage = 10000;
constexpr std::size_t kDefaultSearchResults = 5;
constexpr std::size_t kMaxSearchResults = 100;

nlohmann::json ReconcileJson(const Result<rag::Indexer::ReconcilePlan>& planned) {
  const rag::Indexer::ReconcilePlan plan = planned.value_or({});
  nlohmann::json json = {{"ok", planned.ok()},
                         {"desired_chunks", plan.desired},
                         {"held_chunks", plan.held},
                         {"upserts_queued", plan.missing},
                         {"deletes_queued", plan.extra}};
  if (!planned.ok()) json["error"] = planned.status().ToString();
  return json;
}

// What a path does, which decides the methods it answers to.
enum class Access { kRead, kChange };

// nullopt for a path freshd does not serve.
std::optional<Access> AccessOf(std::string_view path) {
  constexpr std::string_view kReadPaths[] = {"/",
                                             "/metrics",
                                             "/healthz",
                                             "/readyz",
                                             "/api/v1/sources",
                                             "/api/v1/workloads",
                                             "/api/v1/search",
                                             "/api/v1/index"};
  if (std::ranges::find(kReadPaths, path) != std::end(kReadPaths) ||
      path.starts_with("/api/v1/workloads/")) {
    return Access::kRead;
  }
  if (path == "/-/reload" || path == "/api/v1/reconcile") return Access::kChange;
  return std::nullopt;
}

// The Allow header of a 405 answer.
const char* AllowedMethods(Access access) { return access == Access::kRead ? "GET, HEAD" : "POST"; }

bool Permits(Access access, http::verb method) {
  if (access == Access::kChange) return method == http::verb::post;
  return method == http::verb::get || method == http::verb::head;
}

// URIs and error texts from the outside may hold invalid UTF-8: replaced, never thrown on.
std::string ToText(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void Daemon::Impl::Search(const HttpRequest& request, Respond respond, std::string_view target) {
  if (!rag->CanSearch()) {
    const std::string why =
        "search needs rag_store kind 'embedded'; this daemon sends its "
        "chunks to " +
        rag->sink_kind() + ": search there";
    return respond(MakeReply(request, http::status::not_implemented, "application/json",
                             ToText({{"error", why}})));
  }
  const Result<std::size_t> k =
      CountParameter(target, "k", kDefaultSearchResults, kMaxSearchResults);
  if (!k.ok()) {
    return respond(MakeReply(request, http::status::bad_request, "application/json",
                             ToText({{"error", k.status().message()}})));
  }
  std::string query = QueryParameter(target, "q").value_or("");
  asio::post(search_workers, [this, request, respond, query = std::move(query), k = *k] {
    Result<std::vector<rag::SearchHit>> hits = rag->Search(query, k);
    const auto code = hits.ok() ? http::status::ok : http::status::service_unavailable;
    std::string body = ToText(hits.ok() ? SearchJson(query, *hits)
                                        : nlohmann::json{{"error", hits.status().ToString()}});
    asio::post(io, [request, respond, code, body = std::move(body)]() mutable {
      respond(MakeReply(request, code, "application/json", std::move(body)));
    });
  });
}

void Daemon::Impl::Reconcile(const HttpRequest& request, Respond respond) {
  rag->Reconcile([this, request, respond](const Result<rag::Indexer::ReconcilePlan>& plan) {
    std::string body = ToText(ReconcileJson(plan));
    const auto status = plan.ok() ? http::status::ok : http::status::bad_gateway;
    asio::post(io, [request, respond, status, body = std::move(body)]() mutable {
      respond(MakeReply(request, status, "application/json", std::move(body)));
    });
  });
}

void Daemon::Impl::Route(const HttpRequest& request, Respond respond) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = PathOf(target);
  const std::optional<Access> access = AccessOf(path);
  if (!access) {
    return respond(MakeReply(request, http::status::not_found, "text/plain", "not found\n"));
  }
  if (!Permits(*access, request.method())) {
    const char* allowed = AllowedMethods(*access);
    HttpReply reply = MakeReply(request, http::status::method_not_allowed, "text/plain",
                                std::string(path) + " answers " + allowed + "\n");
    reply.set(http::field::allow, allowed);
    return respond(std::move(reply));
  }
  if (*access == Access::kChange) return RouteChange(request, std::move(respond), path);
  RouteRead(request, std::move(respond), target);
}

void Daemon::Impl::RouteChange(const HttpRequest& request, Respond respond, std::string_view path) {
  const LifecycleSettings lifecycle{config.api.enable_lifecycle, listen_host, listen_port,
                                    config.file};
  if (auto refusal = LifecycleRefusal(request, lifecycle)) {
    const bool api = path.starts_with("/api/");
    return respond(MakeReply(request, http::status::forbidden,
                             api ? "application/json" : "text/plain",
                             api ? ToText({{"error", *refusal}}) : *refusal + "\n"));
  }
  if (path == "/api/v1/reconcile") return Reconcile(request, std::move(respond));
  Reload();
  respond(MakeReply(request, http::status::ok, "text/plain", "reloading\n"));
}

void Daemon::Impl::RouteRead(const HttpRequest& request, Respond respond, std::string_view target) {
  const std::string_view path = PathOf(target);
  auto reply = [&](http::status status, std::string type, std::string body) {
    respond(MakeReply(request, status, std::move(type), std::move(body)));
  };
  if (path == "/") {
    StatusPageInput page{WorkloadsJson(workloads),
                         SourcesJson(*engine, scheduler, adaptive.get()),
                         rag->StateJson(),
                         {},
                         scheduler::ToUnixMillis(clock.Now())};
    for (const auto& name : engine->SourceNames()) {
      const SourceState* state = engine->State(name);
      if (state == nullptr) continue;
      page.change_times[name].assign(state->recent_changes_ms.begin(),
                                     state->recent_changes_ms.end());
    }
    return reply(http::status::ok, "text/html; charset=utf-8", RenderStatusPage(page));
  }
  if (path == "/metrics") {
    return reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", metrics.Render());
  }
  if (path == "/healthz") return reply(http::status::ok, "text/plain", "ok\n");
  if (path == "/readyz") {
    return ready ? reply(http::status::ok, "text/plain", "ready\n")
                 : reply(http::status::service_unavailable, "text/plain", "not ready\n");
  }
  if (path == "/api/v1/sources") {
    const std::string source = QueryParameter(target, "source").value_or("");
    if (source.empty()) {
      return reply(http::status::ok, "application/json",
                   ToText(SourcesJson(*engine, scheduler, adaptive.get())));
    }
    if (engine->FindSource(source) == nullptr) {
      return reply(http::status::not_found, "application/json",
                   nlohmann::json{{"error", "no such source"}}.dump());
    }
    const Result<std::size_t> limit =
        CountParameter(target, "limit", kDefaultDocumentPage, kMaxDocumentPage);
    if (!limit.ok()) {
      return reply(http::status::bad_request, "application/json",
                   ToText({{"error", limit.status().message()}}));
    }
    // The documents are read on a worker; the reply is written back on the loop.
    const bool per_document = IsAdaptive(*engine->FindSource(source));
    asio::post(workers, [this, request, respond, source, limit = *limit, per_document,
                         after = QueryParameter(target, "after").value_or("")] {
      const DocumentSchedule schedule(*store);
      Result<nlohmann::json> page =
          DocumentsJson(*store, source, after, limit, per_document ? &schedule : nullptr);
      const auto code = page.ok() ? http::status::ok : http::status::service_unavailable;
      std::string body =
          ToText(page.ok() ? *page : nlohmann::json{{"error", page.status().ToString()}});
      asio::post(io, [request, respond, code, body = std::move(body)]() mutable {
        respond(MakeReply(request, code, "application/json", std::move(body)));
      });
    });
    return;
  }
  if (path == "/api/v1/workloads") {
    return reply(http::status::ok, "application/json", ToText(WorkloadsJson(workloads)));
  }
  if (path.starts_with("/api/v1/workloads/")) {
    const std::string name(path.substr(std::string_view("/api/v1/workloads/").size()));
    auto found = workloads.find(name);
    if (found == workloads.end()) {
      return reply(http::status::not_found, "application/json",
                   ToText({{"error", "no assessment of workload '" + name + "' (yet)"}}));
    }
    return reply(http::status::ok, "application/json", ToText(WorkloadJson(name, found->second)));
  }
  if (path == "/api/v1/search") return Search(request, std::move(respond), target);
  if (path == "/api/v1/index") {
    return reply(http::status::ok, "application/json", ToText(rag->StateJson()));
  }
  reply(http::status::not_found, "text/plain", "not found\n");
}

}  // namespace freshd::daemon
