#include "rpc/health.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

namespace govchain::rpc {

namespace {

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ReadinessVerdict judge_readiness(const ReadinessFacts& facts, const ReadinessPolicy& policy, int64_t now_unix_ms) {
  ReadinessVerdict verdict;
  verdict.head_age_ms = now_unix_ms > facts.head_time_ms ? static_cast<uint64_t>(now_unix_ms - facts.head_time_ms) : 0;
  if (facts.block_interval_ms > 0) {
    const uint64_t stale_after_ms =
        std::max(facts.block_interval_ms * policy.stale_block_intervals, policy.stale_after_ms_min);
    if (verdict.head_age_ms > stale_after_ms) {
      verdict.reasons.push_back({"stalled", "no new block for " + std::to_string(verdict.head_age_ms / 1000) +
                                                " s (height " + std::to_string(facts.head_height) + "); the limit is " +
                                                std::to_string(stale_after_ms) + " ms"});
    }
  }
  // More than two thirds, as consensus counts a quorum.
  if (facts.validators > 0 && facts.is_validator && facts.validators_reachable * 3 <= facts.validators * 2) {
    verdict.reasons.push_back({"no_quorum", "reaches " + std::to_string(facts.validators_reachable) + " of " +
                                                std::to_string(facts.validators) +
                                                " validators; more than two thirds are needed to decide blocks"});
  }
  if (facts.validators > 0 && !facts.is_validator && facts.validators_reachable == 0) {
    verdict.reasons.push_back({"no_validator", "an observer that reaches none of the " +
                                                   std::to_string(facts.validators) + " validators gets no blocks"});
  }
  if (facts.catching_up) {
    verdict.reasons.push_back({"catching_up", "catching up from height " + std::to_string(facts.head_height) +
                                                  " to the peers' " + std::to_string(facts.best_peer_height)});
  }
  verdict.ready = verdict.reasons.empty();
  return verdict;
}

std::string readiness_json(const ReadinessFacts& facts, const ReadinessVerdict& verdict) {
  nlohmann::json reasons = nlohmann::json::array();
  std::string summary;
  for (const auto& reason : verdict.reasons) {
    reasons.push_back({{"code", reason.code}, {"message", reason.message}});
    summary += (summary.empty() ? "" : "; ") + reason.message;
  }
  nlohmann::json body = {{"status", verdict.ready ? "ready" : "not_ready"},
                         {"height", facts.head_height},
                         {"head_age_ms", verdict.head_age_ms},
                         {"validators", facts.validators},
                         {"validators_reachable", facts.validators_reachable},
                         {"is_validator", facts.is_validator},
                         {"catching_up", facts.catching_up},
                         {"reasons", std::move(reasons)}};
  if (!verdict.ready) body["error"] = {{"code", "unavailable"}, {"message", "not ready: " + summary}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status register_health_routes(HttpServer& server, std::shared_ptr<const ReadinessProvider> provider,
                              ReadinessPolicy policy) {
  if (!provider) return error(Code::invalid_argument, "register_health_routes needs a readiness provider");
  if (policy.stale_block_intervals == 0) {
    return error(Code::invalid_argument, "stale_block_intervals must be at least 1");
  }
  const RouteOptions fast{RouteExecution::io_thread, CrossOrigin::if_read_method};
  GOVCHAIN_TRY(server.add_route(
      "GET", "/healthz",
      [](const HttpRequest&) {
        HttpResponse response = json_response(R"({"status":"ok"})");
        response.headers.emplace_back("Cache-Control", "no-store");
        return response;
      },
      fast));
  return server.add_route(
      "GET", "/readyz",
      [provider, policy](const HttpRequest&) {
        const ReadinessFacts facts = provider->readiness_facts();
        const ReadinessVerdict verdict = judge_readiness(facts, policy, unix_now_ms());
        HttpResponse response = json_response(readiness_json(facts, verdict), verdict.ready ? 200 : 503);
        response.headers.emplace_back("Cache-Control", "no-store");
        return response;
      },
      fast);
}

}  // namespace govchain::rpc
