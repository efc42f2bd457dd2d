#include "rpc/server_core.h"

#include <spdlog/spdlog.h>

#include <sstream>

#include "rpc/http_text.h"
#include "rpc/json_error.h"
#include "rpc/json_shape.h"
#include "rpc/metrics.h"
#include "rpc/query_string.h"

namespace govchain::rpc {

namespace {

constexpr std::string_view server_name = "govchain";
// Refusal answers written at once by sessions that hold no connection slot;
// beyond this the server closes such connections without an answer, since
// even a short answer costs a socket for up to a second.
constexpr uint64_t refusal_answers_max = 64;

ClientLimitsConfig limits_config_from(const HttpServerConfig& config) {
  ClientLimitsConfig limits;
  limits.connections_max = config.connections_max;
  limits.connections_per_address_max = config.connections_per_address_max;
  limits.subscribers_max = config.websocket_subscribers_max;
  limits.subscribers_per_address_max = config.websocket_subscribers_per_address_max;
  limits.jobs_per_address_max = config.worker_jobs_per_address_max;
  limits.requests_per_second_per_address = config.requests_per_second_per_address;
  limits.request_burst_per_address = config.request_burst_per_address;
  return limits;
}

// Methods become a metric label; anything else is "other" so that a client
// cannot create unbounded label sets.
std::string method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (method == known) return std::string(known);
  }
  return "other";
}

bool is_reserved_field(std::string_view name) {
  for (std::string_view reserved : {"content-length", "content-type", "connection", "transfer-encoding", "server"}) {
    if (equals_ignore_case(name, reserved)) return true;
  }
  return false;
}

// True when `method` is one of the comma-separated `methods`.
bool method_listed(std::string_view methods, std::string_view method) {
  while (!methods.empty()) {
    const size_t comma = std::min(methods.find(','), methods.size());
    std::string_view entry = methods.substr(0, comma);
    while (entry.starts_with(' ')) entry.remove_prefix(1);
    if (!method.empty() && entry == method) return true;
    methods.remove_prefix(std::min(comma + 1, methods.size()));
  }
  return false;
}

struct RefusalText {
  unsigned status;
  std::string_view code;
  std::string message;
};

RefusalText refusal_text(Refusal refusal, const HttpServerConfig& config) {
  const auto number = [](uint64_t value) { return std::to_string(value); };
  switch (refusal) {
    case Refusal::connections:
      return {503, "unavailable",
              "all " + number(config.connections_max) +
                  " HTTP connection slots of this node are taken; retry later or use another node"};
    case Refusal::connections_per_address:
      return {429, "resource_exhausted",
              "your address holds " + number(config.connections_per_address_max) +
                  " open connections, the most one address may; reuse keep-alive "
                  "connections or close idle ones"};
    case Refusal::subscribers:
      return {503, "unavailable",
              "all " + number(config.websocket_subscribers_max) +
                  " WebSocket subscriber slots are taken; retry later or use another node"};
    case Refusal::subscribers_per_address:
      return {429, "resource_exhausted",
              "your address holds " + number(config.websocket_subscribers_per_address_max) +
                  " WebSocket subscriptions, the most one address may"};
    case Refusal::rate:
      return {429, "resource_exhausted",
              "more than " + number(config.requests_per_second_per_address) +
                  " requests per second from your address; slow down and retry after "
                  "the Retry-After seconds"};
    case Refusal::workers:
      return {503, "unavailable",
              "all workers are busy and " + number(config.worker_queue_max) +
                  " requests are waiting; retry in a moment or use another node"};
    case Refusal::workers_per_address:
      return {429, "resource_exhausted",
              "your address has " + number(config.worker_jobs_per_address_max) +
                  " requests waiting or running, the most one address may; wait for "
                  "their answers"};
    case Refusal::worker_queue_wait:
      return {503, "unavailable",
              "the request waited more than " + number(config.worker_queue_wait_ms_max) +
                  " ms for a worker; retry later or use another node"};
    case Refusal::bodies_in_flight:
      return {503, "unavailable",
              "the node holds " + number(config.bodies_in_flight_size_bytes_max) +
                  " bytes of request bodies already; retry in a moment"};
    case Refusal::json_shape:
      break;
  }
  return {413, "too_large", "the JSON body is nested too deeply or holds too many values"};
}

}  // namespace

std::string_view refusal_label(Refusal refusal) {
  switch (refusal) {
    case Refusal::connections:
      return "connections";
    case Refusal::connections_per_address:
      return "connections_per_address";
    case Refusal::subscribers:
      return "subscribers";
    case Refusal::subscribers_per_address:
      return "subscribers_per_address";
    case Refusal::rate:
      return "rate";
    case Refusal::workers:
      return "workers";
    case Refusal::workers_per_address:
      return "workers_per_address";
    case Refusal::worker_queue_wait:
      return "worker_queue_wait";
    case Refusal::bodies_in_flight:
      return "bodies_in_flight";
    case Refusal::json_shape:
      break;
  }
  return "json_shape";
}

// ---- Responses -----------------------------------------------------------------

BeastResponse to_beast_response(const HttpResponse& response, unsigned version, bool keep_alive) {
  BeastResponse beast_response{http::int_to_status(response.status) == http::status::unknown
                                   ? http::status::internal_server_error
                                   : static_cast<http::status>(response.status),
                               version};
  beast_response.set(http::field::server, server_name);
  beast_response.set(http::field::content_type,
                     has_line_break(response.content_type) ? "application/octet-stream" : response.content_type);
  bool close = !keep_alive;
  for (const auto& [name, value] : response.headers) {
    if (equals_ignore_case(name, "connection") && equals_ignore_case(value, "close")) close = true;
    if (!is_http_token(name) || has_line_break(value) || is_reserved_field(name)) continue;
    beast_response.insert(name, value);
  }
  const bool bodyless = response.status < 200 || response.status == 204 || response.status == 304;
  if (!bodyless) beast_response.body() = response.body;
  beast_response.keep_alive(!close);
  beast_response.prepare_payload();
  return beast_response;
}

BeastResponse internal_error_response() {
  BeastResponse response{http::status::internal_server_error, 11};
  response.set(http::field::content_type, "application/json");
  response.body() = R"({"error":{"code":"internal","message":"the response could not be built"}})";
  response.keep_alive(false);
  response.prepare_payload();
  return response;
}

std::string serialize(const BeastResponse& response) {
  std::ostringstream stream;
  stream << response;
  return stream.str();
}

// ---- HeaderWaiters ----------------------------------------------------------------

uint64_t HeaderWaiters::add(std::weak_ptr<HttpSession> session) {
  std::lock_guard lock(mutex_);
  const uint64_t waiter_id = next_id_++;
  waiters_.emplace(waiter_id, Waiter{std::move(session), SteadyClock::now()});
  return waiter_id;
}

void HeaderWaiters::remove(uint64_t waiter_id) {
  std::lock_guard lock(mutex_);
  waiters_.erase(waiter_id);
}

std::shared_ptr<HttpSession> HeaderWaiters::take_oldest(SteadyClock::duration age_min) {
  std::lock_guard lock(mutex_);
  const auto now = SteadyClock::now();
  for (auto entry = waiters_.begin(); entry != waiters_.end();) {
    if (now - entry->second.since < age_min) return nullptr;  // the rest are younger
    auto session = entry->second.session.lock();
    entry = waiters_.erase(entry);
    if (session) return session;
  }
  return nullptr;
}

// ---- ServerCore ------------------------------------------------------------------

ServerCore::ServerCore(HttpServerConfig server_config, std::shared_ptr<Metrics> metrics)
    : config(std::move(server_config)),
      limits(limits_config_from(config)),
      pool(config.worker_threads, config.worker_queue_max),
      metrics_(std::move(metrics)) {}

Dispatch ServerCore::dispatch(BeastRequest& request, const std::string& remote_address) {
  RequestContext context;
  Dispatch result;
  try {
    context.method = std::string(request.method_string());
    context.version = request.version();
    context.keep_alive = request.keep_alive();
    context.head = request.method() == http::verb::head;
    context.origin = std::string(request[http::field::origin].substr(0, 256));
    std::optional<PooledCall> call;
    const HttpResponse response = route(request, remote_address, context, call);
    if (call) {
      result.call = std::move(call);
    } else {
      result.response = finish(response, context);
    }
  } catch (...) {
    record_request(context.route_label, context.method, 500, SteadyClock::now() - context.start);
    result.call.reset();
    result.response = internal_error_response();
  }
  return result;
}

// Sets `call` (and returns an unused response) when the handler must run on
// the worker pool; otherwise returns the answer.
HttpResponse ServerCore::route(BeastRequest& request, const std::string& remote_address, RequestContext& context,
                               std::optional<PooledCall>& call) {
  const std::string_view target = request.target();
  if (target.empty() || target.front() != '/') {
    return json_error(
        400, "malformed",
        "request target must be a path such as /v1/status, not '" + std::string(target.substr(0, 64)) + "'");
  }
  const size_t question_mark = std::min(target.find('?'), target.size());
  const std::string_view path = target.substr(0, question_mark);
  const std::string_view query = target.substr(std::min(question_mark + 1, target.size()));
  const std::string_view method = request.method_string();
  if (metrics_ && config.serve_metrics && path == "/metrics") {
    context.route_label = "/metrics";
    return route_metrics(method);
  }
  if (!websocket_path.empty() && path == websocket_path) {
    context.route_label = websocket_path;
    return json_error(426, "upgrade_required",
                      websocket_path + " is a WebSocket endpoint; connect with a WebSocket client");
  }
  const RouteMatch match = router.match(method, path);
  if (method == "OPTIONS" && match.route == nullptr && !match.cross_origin_methods.empty()) {
    context.route_label = "preflight";
    return preflight(request, match, path);
  }
  if (match.route == nullptr && match.allowed_methods.empty()) {
    return json_error(404, "not_found",
                      "no route for path " + std::string(path.substr(0, 256)) + "; see the API documentation");
  }
  if (match.route == nullptr) {
    HttpResponse response = json_error(405, "method_not_allowed",
                                       std::string(method.substr(0, 32)) + " is not allowed on " +
                                           std::string(path.substr(0, 256)) + "; use " + match.allowed_methods);
    response.headers.emplace_back("Allow", match.allowed_methods);
    return response;
  }
  const Route& matched = *match.route;
  context.route_label = matched.pattern;
  context.cross_origin = matched.cross_origin;
  auto view = request_view(matched, path, match.parameter, query, request, remote_address);
  if (!view.ok()) return json_error(400, code_name(view.status().code()), view.status().message());
  if (!view->body.empty()) {
    const Status shape = check_json_shape(view->body, config.json_shape);
    if (!shape.ok()) {
      count_refusal(Refusal::json_shape);
      return json_error(shape);
    }
  }
  if (matched.execution == RouteExecution::io_thread) return call_handler(matched, *view);
  call = PooledCall{&matched, std::move(view).value(), context};
  return {};
}

HttpResponse ServerCore::route_metrics(std::string_view method) {
  if (method != "GET") {
    HttpResponse response = json_error(405, "method_not_allowed", "/metrics supports only GET");
    response.headers.emplace_back("Allow", "GET");
    return response;
  }
  refresh_gauges();
  return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics_->render(), {}};
}

HttpResponse ServerCore::preflight(const BeastRequest& request, const RouteMatch& match, std::string_view path) {
  const std::string_view origin = request[http::field::origin];
  const std::string_view requested = request[http::field::access_control_request_method];
  const auto allowed = allowed_origin(origin);
  if (!allowed || !method_listed(match.cross_origin_methods, requested)) {
    return json_error(403, "unauthorized",
                      "cross-origin " + std::string(requested.substr(0, 32)) + " calls to " +
                          std::string(path.substr(0, 256)) + " are not allowed from origin '" +
                          std::string(origin.substr(0, 256)) +
                          "'; cross-origin methods here: " + match.cross_origin_methods);
  }
  HttpResponse response{204, "application/json", "", {}};
  response.headers.emplace_back("Access-Control-Allow-Origin", *allowed);
  if (*allowed != "*") response.headers.emplace_back("Vary", "Origin");
  response.headers.emplace_back("Access-Control-Allow-Methods", match.cross_origin_methods);
  response.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type");
  response.headers.emplace_back("Access-Control-Max-Age", "600");
  return response;
}

Result<HttpRequest> ServerCore::request_view(const Route& matched, std::string_view path, std::string_view parameter,
                                             std::string_view query, BeastRequest& request,
                                             const std::string& remote_address) {
  auto decoded_parameter = percent_decode(parameter, false);
  if (!decoded_parameter) {
    return error(Code::malformed, "path parameter has an invalid %-escape; use %XX with two hex digits");
  }
  GOVCHAIN_ASSIGN_OR_RETURN(QueryParameters query_parameters, parse_query(query));
  HttpRequest view;
  view.method = std::string(request.method_string());
  view.target = std::string(request.target());
  view.path = std::string(path);
  view.route_pattern = matched.pattern;
  view.path_parameter = std::move(*decoded_parameter);
  view.query_parameters = std::move(query_parameters);
  for (const auto& field : request) {
    view.headers.emplace_back(ascii_lower(field.name_string()), std::string(field.value()));
  }
  view.body = std::move(request.body());
  view.remote_address = remote_address;
  return view;
}

HttpResponse ServerCore::call_handler(const Route& matched, const HttpRequest& request) {
  try {
    return matched.handler(request);
  } catch (const std::exception& exception) {
    spdlog::error("rpc: handler for {} {} threw: {}", matched.method, matched.pattern, exception.what());
  } catch (...) {
    spdlog::error("rpc: handler for {} {} threw a non-standard exception", matched.method, matched.pattern);
  }
  return json_error(500, "internal",
                    "the handler for " + matched.pattern + " failed; this is a bug in govchain, please report it");
}

BeastResponse ServerCore::finish(const HttpResponse& response, const RequestContext& context) {
  BeastResponse beast_response = to_beast_response(response, context.version, context.keep_alive);
  if (context.cross_origin) {
    if (const auto origin = allowed_origin(context.origin)) {
      beast_response.set(http::field::access_control_allow_origin, *origin);
      beast_response.set(http::field::access_control_expose_headers, "Retry-After");
      if (*origin != "*") beast_response.set(http::field::vary, "Origin");
    }
  }
  if (context.head) {
    // A HEAD answer carries the length of the body it leaves out.
    const size_t body_size_bytes = beast_response.body().size();
    beast_response.body().clear();
    beast_response.content_length(body_size_bytes);
  }
  record_request(context.route_label, context.method, beast_response.result_int(), SteadyClock::now() - context.start);
  return beast_response;
}

std::optional<std::string> ServerCore::allowed_origin(std::string_view origin) const {
  for (const std::string& allowed : config.cors_allowed_origins) {
    if (allowed == "*") return allowed;
    if (!origin.empty() && allowed == origin) return allowed;
  }
  return std::nullopt;
}

BeastResponse ServerCore::run_call(PooledCall& call, SteadyClock::time_point queued_at) {
  try {
    if (SteadyClock::now() - queued_at > std::chrono::milliseconds(config.worker_queue_wait_ms_max)) {
      count_refusal(Refusal::worker_queue_wait);
      return refusal_response(Refusal::worker_queue_wait, call.context);
    }
    return finish(call_handler(*call.route, call.request), call.context);
  } catch (...) {
    record_request(call.context.route_label, call.context.method, 500, SteadyClock::now() - call.context.start);
    return internal_error_response();
  }
}

BeastResponse ServerCore::refusal_response(Refusal refusal, const RequestContext& context) {
  try {
    const RefusalText text = refusal_text(refusal, config);
    HttpResponse response = json_error(text.status, text.code, text.message);
    response.headers.emplace_back("Retry-After", "1");
    BeastResponse beast_response = to_beast_response(response, context.version, false);
    if (const auto origin = allowed_origin(context.origin)) {
      beast_response.set(http::field::access_control_allow_origin, *origin);
    }
    return beast_response;
  } catch (...) {
    return internal_error_response();
  }
}

BeastResponse ServerCore::parse_error_response(const boost::system::error_code& parse_error) {
  HttpResponse response;
  if (parse_error == http::error::body_limit) {
    response = json_error(
        413, "too_large",
        "request body is larger than " + std::to_string(config.body_size_bytes_max) + " bytes; send a smaller body");
  } else if (parse_error == http::error::header_limit) {
    response = json_error(431, "header_too_large",
                          "request line and headers are larger than " + std::to_string(config.header_size_bytes_max) +
                              " bytes; send fewer or shorter headers");
  } else {
    response = json_error(400, "malformed",
                          "malformed HTTP request (" + parse_error.message() +
                              "); send an HTTP/1.1 request with a valid request line and headers");
  }
  record_request("malformed", "other", response.status, SteadyClock::duration::zero());
  try {
    return to_beast_response(response, 11, false);
  } catch (...) {
    return internal_error_response();
  }
}

std::optional<BodyReservation> ServerCore::reserve_body(uint64_t size_bytes) {
  uint64_t current = bodies_in_flight_size_bytes_.load();
  do {
    if (size_bytes > config.bodies_in_flight_size_bytes_max ||
        current > config.bodies_in_flight_size_bytes_max - size_bytes) {
      return std::nullopt;
    }
  } while (!bodies_in_flight_size_bytes_.compare_exchange_weak(current, current + size_bytes));
  return BodyReservation(&bodies_in_flight_size_bytes_, size_bytes);
}

bool ServerCore::begin_refusal_answer() {
  if (refusal_answers_open_.fetch_add(1) < refusal_answers_max) return true;
  refusal_answers_open_.fetch_sub(1);
  return false;
}

void ServerCore::end_refusal_answer() { refusal_answers_open_.fetch_sub(1); }

void ServerCore::deliver_message(uint64_t subscriber_id, std::string_view text) {
  if (!websocket_on_message) return;
  try {
    websocket_on_message(subscriber_id, text);
  } catch (const std::exception& exception) {
    spdlog::error("rpc: WebSocket message handler threw: {}", exception.what());
  } catch (...) {
    spdlog::error("rpc: WebSocket message handler threw a non-standard exception");
  }
}

// ---- Metrics ------------------------------------------------------------------------

void ServerCore::record_request(const std::string& route_label, std::string_view method, unsigned status,
                                SteadyClock::duration elapsed) {
  if (!metrics_) return;
  auto counter =
      metrics_->counter("govchain_rpc_requests_total", "HTTP requests by route pattern, method and status",
                        {{"route", route_label}, {"method", method_label(method)}, {"status", std::to_string(status)}});
  if (counter.ok()) (*counter)->Increment();
  auto histogram = metrics_->histogram("govchain_rpc_request_duration_seconds", "HTTP request latency by route pattern",
                                       Metrics::latency_buckets_seconds(), {{"route", route_label}});
  if (histogram.ok()) (*histogram)->Observe(std::chrono::duration<double>(elapsed).count());
}

void ServerCore::increment(std::string_view name, std::string_view help, const MetricLabels* labels) {
  if (!metrics_) return;
  auto counter = metrics_->counter(name, help, labels ? *labels : MetricLabels{});
  if (counter.ok()) (*counter)->Increment();
}

void ServerCore::count_refusal(Refusal refusal) {
  const MetricLabels labels{{"reason", std::string(refusal_label(refusal))}};
  increment("govchain_rpc_refused_total", "Connections and requests refused by a limit before any handler ran",
            &labels);
}

void ServerCore::count_timeout() {
  increment("govchain_rpc_timeouts_total",
            "Connections closed because a request header, a request or a keep-alive idle time ran out");
}

void ServerCore::count_idle_eviction() {
  increment("govchain_rpc_idle_evictions_total",
            "Connections waiting for a request header closed to admit a new one while every slot was taken");
}

void ServerCore::count_slow_subscriber() {
  increment("govchain_rpc_websocket_slow_disconnects_total",
            "WebSocket subscribers disconnected for a full send queue");
}

void ServerCore::refresh_gauges() {
  const std::pair<const char*, const char*> names[] = {
      {"govchain_rpc_connections_open", "Open HTTP connections (WebSocket subscribers not included)"},
      {"govchain_rpc_websocket_subscribers", "Connected WebSocket subscribers"},
      {"govchain_rpc_worker_queue_length", "Requests waiting for a worker"},
      {"govchain_rpc_workers_busy", "Workers running a handler"},
      {"govchain_rpc_bodies_in_flight_bytes", "Bytes of request bodies held"},
  };
  const double values[] = {static_cast<double>(limits.total(ClientBudget::connection)),
                           static_cast<double>(limits.total(ClientBudget::subscriber)),
                           static_cast<double>(pool.queued()), static_cast<double>(pool.running()),
                           static_cast<double>(bodies_in_flight_size_bytes_.load())};
  for (size_t index = 0; index < std::size(names); ++index) {
    auto gauge = metrics_->gauge(names[index].first, names[index].second);
    if (gauge.ok()) (*gauge)->Set(values[index]);
  }
}

}  // namespace govchain::rpc
