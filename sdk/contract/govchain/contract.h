// What every contract method needs besides its declaration (abi.h): the
// call's argument bytes, its return value, events, and debug output.
//
// Methods are declared with GOVCHAIN_CALL and GOVCHAIN_QUERY (abi.h), which
// decode the arguments themselves; arguments() is for the SDK's own standard
// queries and for tests. Not thread-safe (a call is single-threaded).
#pragma once

#include "govchain/storage.h"

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

// ---- Debug output -------------------------------------------------------------
// debug("zone", zone, "until", valid_until_ms) writes one line: texts as they
// are, integers in decimal, 32-byte values in hex. Native tests print it
// (mock::Host); a wasm module built with -DGOVCHAIN_DEBUG imports the host
// function debug_print, which only dev chains offer (the node prints the line
// on its standard error); without GOVCHAIN_DEBUG the calls compile to
// nothing, so a release build carries neither the import nor the cost. Lines
// longer than 1024 bytes are cut.

namespace detail {

inline void append_debug(Writer& line, Bytes text) { line.raw(text); }
inline void append_debug(Writer& line, const char* text) { line.raw(Bytes(text)); }
inline void append_debug(Writer& line, const Bytes32& value) {
  const char* digits = "0123456789abcdef";
  for (uint8_t byte : value.bytes) {
    line.u8(static_cast<uint8_t>(digits[byte >> 4]));
    line.u8(static_cast<uint8_t>(digits[byte & 15]));
  }
}
inline void append_debug(Writer& line, uint64_t value) {
  uint8_t digits[20];
  uint32_t count = 0;
  do {
    digits[count++] = static_cast<uint8_t>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) line.u8(digits[--count]);
}
inline void append_debug(Writer& line, int64_t value) {
  if (value < 0) line.u8('-');
  append_debug(line, value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value));
}
inline void append_debug(Writer& line, uint32_t value) { append_debug(line, static_cast<uint64_t>(value)); }
inline void append_debug(Writer& line, int value) { append_debug(line, static_cast<int64_t>(value)); }
inline void append_debug(Writer& line, bool value) { line.raw(value ? "true" : "false"); }

}  // namespace detail

template <typename... Parts>
void debug([[maybe_unused]] const Parts&... parts) {
#if !defined(__wasm__) || defined(GOVCHAIN_DEBUG)
  Writer line;
  bool first = true;
  ((line.raw(first ? "" : " "), detail::append_debug(line, parts), first = false), ...);
  uint32_t size = line.size() > debug_text_size_max ? debug_text_size_max : line.size();
  govchain_host_debug_print(line.data().data, detail::as_length(size));
#endif
}

}  // namespace govchain
