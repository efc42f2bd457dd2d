#include "core/status.h"

namespace govchain {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::ok: return "ok";
    case Code::invalid_argument: return "invalid_argument";
    case Code::not_found: return "not_found";
    case Code::already_exists: return "already_exists";
    case Code::malformed: return "malformed";
    case Code::invalid: return "invalid";
    case Code::unauthorized: return "unauthorized";
    case Code::bad_signature: return "bad_signature";
    case Code::wrong_chain: return "wrong_chain";
    case Code::nonce_too_low: return "nonce_too_low";
    case Code::nonce_too_high: return "nonce_too_high";
    case Code::too_large: return "too_large";
    case Code::resource_exhausted: return "resource_exhausted";
    case Code::out_of_gas: return "out_of_gas";
    case Code::trap: return "trap";
    case Code::unlinkable: return "unlinkable";
    case Code::io_error: return "io_error";
    case Code::corruption: return "corruption";
    case Code::unavailable: return "unavailable";
    case Code::internal: return "internal";
    case Code::aborted: return "aborted";
    case Code::timeout: return "timeout";
    case Code::unknown_account: return "unknown_account";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return std::string(code_name(code_)) + ": " + message_;
}

Status Status::with_context(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

}  // namespace govchain
