// Router: the table that maps a request's method and path to a handler.
//
// A pattern is an exact path ("/v1/status") or a path whose last segment is
// one parameter ("/v1/txs/{hash}"); the parameter matches one non-empty
// segment without "/". Exact patterns win over parameter patterns, even when
// only another method is registered for the exact path
// (`/v1/blocks/latest` beats `/v1/blocks/{id}`). A path that is known with
// other methods only yields the list of those methods (for 405 and Allow).
//
// Each route also carries how the server runs it (RouteOptions): on a worker
// of the bounded pool (the default; for anything that reads storage, proves
// or executes) or directly on an I/O thread (only for handlers that answer in
// microseconds without blocking, such as /healthz), and whether browsers on
// other origins may call it (CORS).
//
// Ownership: the Router owns copies of the handlers. Matching returns a
// pointer into the table, valid while the Router lives and no route is added.
//
// Thread-safety: add() is for set-up, from one thread. match() is const and
// may run on many threads at once once set-up is over (the server adds
// routes only before start()).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "rpc/http_types.h"

namespace govchain::rpc {

enum class RouteExecution {
  // A bounded pool of worker threads, separate from the threads that accept
  // connections and read requests; a full pool answers 503 at once.
  worker_pool,
  // The I/O thread that read the request. For handlers that never block.
  io_thread,
};

enum class CrossOrigin {
  // GET and HEAD routes (reads) allow cross-origin calls; others do not.
  if_read_method,
  allow,
  deny,
};

struct RouteOptions {
  RouteExecution execution = RouteExecution::worker_pool;
  CrossOrigin cross_origin = CrossOrigin::if_read_method;
};

struct Route {
  std::string method;
  std::string pattern;
  // For "/v1/txs/{hash}": "/v1/txs/". Empty for exact patterns.
  std::string parameter_prefix;
  HttpHandler handler;
  RouteExecution execution = RouteExecution::worker_pool;
  bool cross_origin = false;  // resolved from RouteOptions::cross_origin
};

struct RouteMatch {
  // The route for the method, or null (unknown path, or known with other
  // methods only).
  const Route* route = nullptr;
  // The raw (still percent-encoded) value of the {parameter} segment.
  std::string_view parameter;
  // Methods registered for the path, comma-separated, for 405 and Allow.
  std::string allowed_methods;
  // Those of them that allow cross-origin calls, for a CORS preflight.
  std::string cross_origin_methods;
};

// Checks a pattern and, for a parameter pattern, returns the literal prefix
// before "{". Fails with invalid_argument and a message that shows the
// accepted shape.
Status validate_pattern(std::string_view pattern, std::string* parameter_prefix);

class Router {
 public:
  // Fails with invalid_argument for a method that is not an HTTP token, an
  // empty handler or a malformed pattern, and with already_exists for a
  // duplicate method and pattern.
  Status add(std::string_view method, std::string_view pattern, HttpHandler handler, RouteOptions options = {});

  RouteMatch match(std::string_view method, std::string_view path) const;

  size_t size() const { return routes_.size(); }

 private:
  RouteMatch match_where(std::string_view method, std::string_view path, bool with_parameter) const;

  std::vector<Route> routes_;
};

}  // namespace govchain::rpc
