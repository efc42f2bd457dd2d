// Feeds arbitrary bytes as one HTTP request through the server's parser,
// router, query and path decoding, JSON shape check, CORS, health routes,
// handler call and error responses (HttpServer::handle_raw), without
// sockets. Checks that every input gets a well-formed HTTP/1.1 response with
// a status from 100 to 599 and that nothing throws or crashes. The input is
// also given to the JSON shape pre-scan on its own: whatever passes it and
// parses must nest no deeper, and hold no more values, than the scan
// allowed, so the scan is a true bound for the parser behind it.
#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "rpc/client_limits.h"
#include "rpc/health.h"
#include "rpc/http_server.h"
#include "rpc/json_shape.h"
#include "rpc/metrics.h"

namespace {

govchain::rpc::HttpResponse echo(const govchain::rpc::HttpRequest& request) {
  std::string body = request.method + " " + request.route_pattern + " " + request.path_parameter;
  for (const auto& [name, value] : request.query_parameters) body += " " + name + "=" + value;
  if (request.query_flag("proof")) body += " proof";
  if (request.header("content-type")) body += " typed";
  if (request.body == "throw") throw std::runtime_error("handler failure requested by the input");
  govchain::rpc::HttpResponse response = govchain::rpc::json_response(body);
  // Reflecting input into a header tests that CR/LF never reach the wire.
  response.headers.emplace_back("X-Echo", request.path_parameter);
  return response;
}

class FixedReadiness final : public govchain::rpc::ReadinessProvider {
 public:
  govchain::rpc::ReadinessFacts readiness_facts() const override { return {3, 0, 1000, 4, 2, true, true, 9}; }
};

govchain::rpc::HttpServer& server() {
  static govchain::rpc::HttpServer* instance = [] {
    govchain::rpc::HttpServerConfig config;
    config.body_size_bytes_max = 4096;
    config.header_size_bytes_max = 2048;
    auto* created = new govchain::rpc::HttpServer(config, std::make_shared<govchain::rpc::Metrics>());
    for (const char* pattern :
         {"/v1/status", "/v1/txs/{hash}", "/v1/blocks/{id}", "/v1/blocks/latest", "/v1/state/{key}"}) {
      (void)created->add_route("GET", pattern, echo);
    }
    (void)created->add_route("POST", "/v1/txs", echo);
    (void)created->add_route("POST", "/v1/query", echo,
                             {govchain::rpc::RouteExecution::io_thread, govchain::rpc::CrossOrigin::allow});
    (void)created->add_websocket("/v1/events");
    (void)govchain::rpc::register_health_routes(*created, std::make_shared<FixedReadiness>());
    return created;
  }();
  return *instance;
}

// Depth and number of values of a parsed document, counted like the scan
// counts them: every container and every element after a container's first.
void measure(const nlohmann::json& value, uint64_t depth, uint64_t* depth_max, uint64_t* values) {
  if (!value.is_structured()) return;
  *depth_max = std::max(*depth_max, depth);
  *values += 1 + (value.empty() ? 0 : value.size() - 1);
  for (const auto& element : value) measure(element, depth + 1, depth_max, values);
}

void check_shape_bounds_parser(std::string_view text) {
  const govchain::rpc::JsonShapeLimits limits{8, 64};
  if (!govchain::rpc::check_json_shape(text, limits).ok()) return;
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return;
  uint64_t depth_max = 0;
  uint64_t values = 0;
  measure(parsed, 1, &depth_max, &values);
  assert(depth_max <= limits.depth_max);
  assert(values <= limits.values_max + 1);
  (void)depth_max;
  (void)values;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view request(reinterpret_cast<const char*>(data), size);
  check_shape_bounds_parser(request);
  (void)govchain::rpc::client_address_key(request.substr(0, 64));
  const std::string response = server().handle_raw(request);
  assert(response.starts_with("HTTP/1.1 ") || response.starts_with("HTTP/1.0 "));
  assert(response.size() >= 12);
  const int status = (response[9] - '0') * 100 + (response[10] - '0') * 10 + (response[11] - '0');
  assert(status >= 100 && status <= 599);
  (void)status;
  const size_t head_end = response.find("\r\n\r\n");
  assert(head_end != std::string::npos);
  // No header line may be split by reflected input: every line is "name: value".
  for (size_t line_start = response.find("\r\n") + 2; line_start < head_end;) {
    const size_t line_end = response.find("\r\n", line_start);
    assert(response.find(':', line_start) < line_end);
    line_start = line_end + 2;
  }
  return 0;
}
