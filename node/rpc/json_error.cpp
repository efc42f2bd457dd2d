#include "rpc/json_error.h"

#include <exception>
#include <nlohmann/json.hpp>

namespace govchain::rpc {

std::string json_error_body(std::string_view code, std::string_view message) {
  try {
    const nlohmann::json body = {{"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
    // `replace` turns invalid UTF-8 into U+FFFD instead of throwing.
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (...) {
    // Only allocation can fail here; answer with a constant that needs none
    // of the arguments.
    return R"({"error":{"code":"internal","message":"the error could not be serialised"}})";
  }
}

unsigned http_status_for(Code code) {
  switch (code) {
    case Code::ok:
      return 200;
    case Code::not_found:
      return 404;
    case Code::already_exists:
    case Code::nonce_too_low:
      return 409;
    case Code::bad_signature:
      return 401;
    case Code::unauthorized:
    case Code::unknown_account:
      return 403;
    case Code::too_large:
      return 413;
    case Code::resource_exhausted:
      return 429;
    case Code::unavailable:
      return 503;
    case Code::timeout:
      return 504;
    case Code::internal:
    case Code::io_error:
    case Code::corruption:
      return 500;
    default:
      return 400;
  }
}

}  // namespace govchain::rpc
