// Status and Result<T>: how every govchain module reports an expected failure.
//
// A Status is a small value: a reason code that callers branch on and a
// message that a person can act on. Result<T> holds either a T or a non-ok
// Status. Neither throws; exceptions never cross a module boundary.
// Both are plain values and are safe to copy between threads.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace govchain {

// Reason codes shared by all modules. Keep the numeric values stable: they
// appear in receipts and API errors.
enum class Code : uint16_t {
  ok = 0,
  invalid_argument = 1,   // caller passed something unusable
  not_found = 2,
  already_exists = 3,
  malformed = 4,          // bytes that do not decode
  invalid = 5,            // decodes, but breaks a rule
  unauthorized = 6,       // signer lacks the right
  bad_signature = 7,
  wrong_chain = 8,
  nonce_too_low = 9,      // stale or replayed
  nonce_too_high = 10,    // from the future
  too_large = 11,         // over a configured limit
  resource_exhausted = 12,// a pool or queue is full
  out_of_gas = 13,
  trap = 14,              // a contract trapped
  unlinkable = 15,        // a module's imports cannot be satisfied
  io_error = 16,
  corruption = 17,        // stored data fails its own checks
  unavailable = 18,       // try again later
  internal = 19,          // a bug in govchain; please report
  aborted = 20,           // a contract aborted with a message
  timeout = 21,
  unknown_account = 22,   // the chain does not know the sender (no role, attestation or admin right)
};

// Stable snake_case name of a code, as used in JSON errors and receipts.
std::string_view code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }
  bool ok() const { return code_ == Code::ok; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code_name: message", for logs and CLI output.
  std::string to_string() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status with_context(std::string_view context) const;

 private:
  Code code_ = Code::ok;
  std::string message_;
};

inline Status error(Code code, std::string message) { return Status(code, std::move(message)); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace govchain

// Propagates a non-ok Status from an expression returning Status.
#define GOVCHAIN_TRY(expression)                     \
  do {                                               \
    ::govchain::Status try_status_ = (expression);   \
    if (!try_status_.ok()) return try_status_;       \
  } while (0)

#define GOVCHAIN_CONCAT_INNER(a, b) a##b
#define GOVCHAIN_CONCAT(a, b) GOVCHAIN_CONCAT_INNER(a, b)
// Declares `lhs` from a Result-returning expression, or returns its Status.
#define GOVCHAIN_ASSIGN_OR_RETURN(lhs, expression)                           \
  auto GOVCHAIN_CONCAT(try_result_, __LINE__) = (expression);                \
  if (!GOVCHAIN_CONCAT(try_result_, __LINE__).ok())                          \
    return GOVCHAIN_CONCAT(try_result_, __LINE__).status();                  \
  lhs = std::move(GOVCHAIN_CONCAT(try_result_, __LINE__)).value()
