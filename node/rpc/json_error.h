// JSON error bodies: the one shape in which the RPC edge reports a failure.
//
// Every error that the HTTP server produces itself, and every error that a
// route handler reports through these helpers, has the body
//   {"error":{"code":"<snake_case>","message":"<what was wrong and what to do>"}}
// so that clients branch on `code` and show `message` to a person.
//
// All functions are pure, never throw, and are safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace govchain::rpc {

// Serialises {"error":{"code":code,"message":message}}. Invalid UTF-8 in
// either argument is replaced, never rejected, so the result is always valid
// JSON.
std::string json_error_body(std::string_view code, std::string_view message);

// The HTTP status that fits a govchain reason code, the only mapping the
// API uses (docs/api.md, "Errors"): bad_signature -> 401 (the request's
// signature is its authentication), unauthorized -> 403 (signed, but not
// allowed), not_found -> 404, already_exists and nonce_too_low -> 409 (a
// copy or a replay), too_large -> 413, resource_exhausted -> 429 (the
// mempool or a quota is full: retry later), unavailable -> 503, timeout ->
// 504, internal/io_error/corruption -> 500, every other non-ok code
// (malformed input, broken rules, wrong chain, nonce_too_high, out_of_gas)
// -> 400. `ok` maps to 200.
unsigned http_status_for(Code code);

}  // namespace govchain::rpc
