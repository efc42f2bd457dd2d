#include "rpc/router.h"

#include <algorithm>

#include "rpc/http_text.h"

namespace govchain::rpc {

namespace {

bool resolve_cross_origin(CrossOrigin cross_origin, std::string_view method) {
  switch (cross_origin) {
    case CrossOrigin::allow:
      return true;
    case CrossOrigin::deny:
      return false;
    case CrossOrigin::if_read_method:
      break;
  }
  return method == "GET" || method == "HEAD";
}

void append_method(std::string& list, std::string_view method) {
  if (!list.empty()) list += ", ";
  list += method;
}

}  // namespace

Status validate_pattern(std::string_view pattern, std::string* parameter_prefix) {
  const std::string shape = "pattern '" + std::string(pattern) + "' ";
  if (pattern.empty() || pattern.front() != '/' || pattern.find_first_of("?# \t\r\n") != std::string_view::npos) {
    return error(Code::invalid_argument, shape + "must start with / and contain no ?, # or whitespace");
  }
  const size_t open = pattern.find('{');
  if (open == std::string_view::npos) {
    if (pattern.find('}') != std::string_view::npos) return error(Code::invalid_argument, shape + "has a stray }");
    parameter_prefix->clear();
    return Status::ok_status();
  }
  const std::string_view name = pattern.size() >= open + 2 ? pattern.substr(open + 1, pattern.size() - open - 2) : "";
  const bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char character) {
    return (character >= 'a' && character <= 'z') || (character >= '0' && character <= '9') || character == '_';
  });
  if (pattern[open - 1] != '/' || pattern.back() != '}' || !name_ok) {
    return error(Code::invalid_argument, shape + "may have one parameter, as its whole last segment: /v1/txs/{hash}");
  }
  *parameter_prefix = std::string(pattern.substr(0, open));
  return Status::ok_status();
}

Status Router::add(std::string_view method, std::string_view pattern, HttpHandler handler, RouteOptions options) {
  if (!is_http_token(method)) {
    return error(Code::invalid_argument, "method '" + std::string(method) + "' is not an HTTP token");
  }
  if (!handler) return error(Code::invalid_argument, "handler for " + std::string(pattern) + " is empty");
  Route route{std::string(method), std::string(pattern), {},
              std::move(handler),  options.execution,    resolve_cross_origin(options.cross_origin, method)};
  GOVCHAIN_TRY(validate_pattern(pattern, &route.parameter_prefix));
  for (const Route& existing : routes_) {
    if (existing.method == route.method && existing.pattern == route.pattern) {
      return error(Code::already_exists, route.method + " " + route.pattern + " is already registered");
    }
  }
  routes_.push_back(std::move(route));
  return Status::ok_status();
}

// Exact patterns win: a path that equals an exact pattern never falls
// through to a parameter pattern, even when the method differs.
RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch exact = match_where(method, path, false);
  if (exact.route != nullptr || !exact.allowed_methods.empty()) return exact;
  return match_where(method, path, true);
}

RouteMatch Router::match_where(std::string_view method, std::string_view path, bool with_parameter) const {
  RouteMatch match;
  for (const Route& route : routes_) {
    if (route.parameter_prefix.empty() == with_parameter) continue;
    std::string_view parameter;
    if (!with_parameter && route.pattern != path) continue;
    if (with_parameter) {
      if (!path.starts_with(route.parameter_prefix)) continue;
      parameter = path.substr(route.parameter_prefix.size());
      if (parameter.empty() || parameter.find('/') != std::string_view::npos) continue;
    }
    append_method(match.allowed_methods, route.method);
    if (route.cross_origin) append_method(match.cross_origin_methods, route.method);
    if (route.method == method && match.route == nullptr) {
      match.route = &route;
      match.parameter = parameter;
    }
  }
  return match;
}

}  // namespace govchain::rpc
