#include "rpc/http_types.h"

#include "rpc/http_text.h"
#include "rpc/json_error.h"

namespace govchain::rpc {

std::optional<std::string_view> HttpRequest::query(std::string_view name) const {
  for (const auto& [key, value] : query_parameters) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

bool HttpRequest::query_flag(std::string_view name) const {
  const auto value = query(name);
  return value && (*value == "1" || *value == "true" || *value == "yes");
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equals_ignore_case(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

HttpResponse json_error(unsigned http_status, std::string_view code, std::string_view message) {
  return HttpResponse{http_status, "application/json", json_error_body(code, message), {}};
}

HttpResponse json_error(const Status& status) {
  return json_error(http_status_for(status.code()), code_name(status.code()), status.message());
}

HttpResponse json_response(std::string body, unsigned http_status) {
  return HttpResponse{http_status, "application/json", std::move(body), {}};
}

}  // namespace govchain::rpc
