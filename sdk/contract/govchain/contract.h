// Entry points, arguments, results, events and input checks: what every
// contract method needs.
//
// A method is declared with GOVCHAIN_METHOD(name) { ... }. On wasm32 it
// becomes an export `name` with no parameters and no results, which the
// host calls; natively it is a plain C++ function the mock host can call.
// Put a contract's methods in its own namespace so that native tests can
// link several contracts into one program.
#pragma once

#include "govchain/storage.h"

#if defined(__wasm__)
#define GOVCHAIN_EXPORT_WRAPPER(name) \
  extern "C" __attribute__((export_name(#name))) void govchain_export_##name() { name(); }
#else
#define GOVCHAIN_EXPORT_WRAPPER(name)
#endif

#define GOVCHAIN_METHOD(name)   \
  void name();                  \
  GOVCHAIN_EXPORT_WRAPPER(name) \
  void name()

namespace govchain {

// A Reader over the call's argument bytes. Call finish() after the last
// argument so that trailing bytes are refused.
inline Reader arguments() { return Reader(input()); }

inline void return_value(const Writer& writer) { set_return(writer.data()); }

// Appends an event to the receipt. Topics are short codes ("certificate.issued");
// data is canonically encoded and must hold no personal data.
inline void emit_event(String topic, Bytes data) {
  require(topic.size <= event_topic_size_max, "event topic longer than 64 bytes");
  require(data.size <= event_data_size_max, "event data larger than 64 KiB");
  govchain_host_emit_event(topic.data, detail::as_length(topic.size), data.data, detail::as_length(data.size));
}

// ---- Input checks ---------------------------------------------------------
// Free text on the chain could carry personal data, so the SDK accepts only
// codes: short lowercase ASCII identifiers.

// A code: 1..size_max bytes of [a-z0-9_] (reason codes, condition codes, levels).
inline bool is_code(String text, uint32_t size_max = 32) {
  if (text.size == 0 || text.size > size_max) return false;
  for (uint8_t c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// A name: 1..size_max bytes of [a-z0-9_.-] (municipality ids, zones, types).
inline bool is_name(String text, uint32_t size_max = 64) {
  if (text.size == 0 || text.size > size_max) return false;
  for (uint8_t c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

// A label: 1..size_max bytes of printable ASCII (archive batch labels). The
// caller is responsible for keeping personal data out of it.
inline bool is_label(String text, uint32_t size_max = 128) {
  if (text.size == 0 || text.size > size_max) return false;
  for (uint8_t c : text)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

inline void require_code(String text, const char* message) { require(is_code(text), message); }
inline void require_name(String text, const char* message) { require(is_name(text), message); }

// A list of codes (conditions), at most `count_max`, each a code.
inline void require_codes(const Vector<String>& codes, uint32_t count_max, const char* message) {
  require(codes.size <= count_max, message);
  for (String code : codes) require(is_code(code), message);
}

// A calendar date "YYYY-MM-DD" (only the shape and ranges; no calendar rules).
inline bool is_date(String text) {
  if (text.size != 10 || text[4] != '-' || text[7] != '-') return false;
  const uint32_t digit_positions[] = {0, 1, 2, 3, 5, 6, 8, 9};
  for (uint32_t i : digit_positions)
    if (text[i] < '0' || text[i] > '9') return false;
  int month = (text[5] - '0') * 10 + (text[6] - '0');
  int day = (text[8] - '0') * 10 + (text[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

}  // namespace govchain
