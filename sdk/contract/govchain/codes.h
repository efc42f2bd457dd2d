// Typed, bounded codes: what the chain holds where people might otherwise
// type free text (docs/domain.md, "The personal-data rule").
//
//   Code   [a-z0-9_]{1,32}              reason codes, condition codes, levels, events
//   Zone   [A-Za-z0-9][A-Za-z0-9._-]{0,63}  zone codes of a municipality, e.g. "AC-ALTSTADT-03"
//   Name   [a-z0-9_.-]{1,64}            municipality ids, certificate types
//   Date   YYYY-MM-DD                   calendar dates (shape and ranges only)
//   Label  printable ASCII, 1..128      archive batch labels (the one free-text field)
//
// Each is a String (a view into the arena or a literal) that has been
// checked. In an ABI the types are spelled code, zone, name, date and label;
// they are encoded like a string (u32 length, bytes). Three checks use the
// same rule: the client SDK refuses to encode a bad value, the node refuses a
// call whose arguments do not fit the ABI before the contract runs (so free
// text never reaches a contract where a code belongs), and the contract SDK
// checks again when it decodes an argument (read_argument) or a stored value.
//
// A literal ("issued") is checked when the contract constructs it: a typo in
// a contract's own code aborts every call that reaches it, which its tests
// see at once. Values from input are checked with Code::from(text, what).
// Not thread-safe (nothing in a contract is); views as in base.h.
#pragma once

#include "govchain/codec.h"

namespace govchain {

namespace detail {

// The argument or field being decoded, for error messages ("argument
// 'reason' ..."); null outside argument decoding.
inline const char* decoding_argument = nullptr;

inline bool is_lower_alphanumeric(uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
inline bool is_alphanumeric(uint8_t c) { return is_lower_alphanumeric(c) || (c >= 'A' && c <= 'Z'); }

// Aborts with "argument '<name>' <rule>" while an argument is decoded, and
// with "malformed value: <rule>" otherwise.
[[noreturn]] inline void fail_rule(const char* rule) {
  Writer message;
  if (decoding_argument != nullptr) {
    message.raw("argument '");
    message.raw(decoding_argument);
    message.raw("' ");
  } else {
    message.raw("malformed value: ");
  }
  message.raw(rule);
  fail(message.data());
}

}  // namespace detail

// [a-z0-9_]{1,size_max}: reason codes, condition codes, levels.
inline bool is_code(String text, uint32_t size_max = 32) {
  if (text.size == 0 || text.size > size_max) return false;
  for (uint8_t c : text)
    if (!(detail::is_lower_alphanumeric(c) || c == '_')) return false;
  return true;
}

// [a-z0-9_.-]{1,size_max}: municipality ids, certificate types, contract names.
inline bool is_name(String text, uint32_t size_max = 64) {
  if (text.size == 0 || text.size > size_max) return false;
  for (uint8_t c : text)
    if (!(detail::is_lower_alphanumeric(c) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

// [A-Za-z0-9][A-Za-z0-9._-]{0,63}: zone codes as municipalities write them
// ("markt", "AC-ALTSTADT-03", "Zone_3.Nord"). Case matters: "markt" and
// "Markt" are different zones.
inline bool is_zone(String text) {
  if (text.size == 0 || text.size > 64 || !detail::is_alphanumeric(text[0])) return false;
  for (uint8_t c : text)
    if (!(detail::is_alphanumeric(c) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

// 1..size_max printable ASCII characters (archive labels). The caller is
// responsible for keeping personal data out of it.
inline bool is_label(String text, uint32_t size_max = 128) {
  if (text.size == 0 || text.size > size_max) return false;
  for (uint8_t c : text)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
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

namespace detail {

// One checked text type: `Rule` says what is allowed and how to say so.
template <typename Rule>
struct CheckedText : String {
  CheckedText() = default;
  // A literal in the contract's own code (e.g. Code("issued")): checked here.
  CheckedText(const char* literal)  // NOLINT: implicit on purpose, for literals.
      : String(literal) {
    if (!Rule::allows(*this)) fail(Rule::literal_message);
  }
  // Text from input or storage: aborts with `message` unless it fits.
  static CheckedText from(String text, const char* message) {
    require(Rule::allows(text), message);
    CheckedText checked;
    checked.data = text.data;
    checked.size = text.size;
    return checked;
  }
};

struct CodeRule {
  static bool allows(String text) { return is_code(text); }
  static constexpr const char* rule = "must be a code: 1..32 of [a-z0-9_], no free text";
  static constexpr const char* literal_message = "contract bug: a code literal is not 1..32 of [a-z0-9_]";
};
struct ZoneRule {
  static bool allows(String text) { return is_zone(text); }
  static constexpr const char* rule = "must be a zone code: 1..64 of [A-Za-z0-9._-], starting with a letter or digit";
  static constexpr const char* literal_message = "contract bug: a zone literal is not a zone code";
};
struct NameRule {
  static bool allows(String text) { return is_name(text); }
  static constexpr const char* rule = "must be a name: 1..64 of [a-z0-9_.-]";
  static constexpr const char* literal_message = "contract bug: a name literal is not 1..64 of [a-z0-9_.-]";
};
struct DateRule {
  static bool allows(String text) { return is_date(text); }
  static constexpr const char* rule = "must be a date YYYY-MM-DD";
  static constexpr const char* literal_message = "contract bug: a date literal is not YYYY-MM-DD";
};
struct LabelRule {
  static bool allows(String text) { return is_label(text); }
  static constexpr const char* rule = "must be a label: 1..128 printable ASCII characters";
  static constexpr const char* literal_message = "contract bug: a label literal is not 1..128 printable ASCII";
};

}  // namespace detail

using Code = detail::CheckedText<detail::CodeRule>;
using Zone = detail::CheckedText<detail::ZoneRule>;
using Name = detail::CheckedText<detail::NameRule>;
using Date = detail::CheckedText<detail::DateRule>;
using Label = detail::CheckedText<detail::LabelRule>;

template <typename Rule>
void encode(Writer& writer, const detail::CheckedText<Rule>& value) {
  writer.text(value);
}

// Decodes and checks; the abort names the argument being decoded.
template <typename Rule>
void decode(Reader& reader, detail::CheckedText<Rule>& value) {
  String text = reader.text();
  if (!Rule::allows(text)) detail::fail_rule(Rule::rule);
  value.data = text.data;
  value.size = text.size;
}

inline void require_code(String text, const char* message) { require(is_code(text), message); }
inline void require_name(String text, const char* message) { require(is_name(text), message); }

// A list of codes (conditions): at most `count_max`, each a code.
inline void require_codes(const Vector<Code>& codes, uint32_t count_max, const char* message) {
  require(codes.size <= count_max, message);
  for (String code : codes) require(is_code(code), message);
}

}  // namespace govchain
