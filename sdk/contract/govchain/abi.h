// Declaring a contract's interface in its code. One declaration per method
// and per struct gives, from the same text:
//  - the native function `void method()` the mock host calls in unit tests;
//  - on wasm32, the export `method` the node calls;
//  - the decoding of the call's arguments in the declared order, each checked
//    for its type (a `code` argument must be a code, see codes.h), with
//    trailing bytes refused;
//  - the ABI (docs/contracts.md section 5), written into the module's custom
//    section "govchain_abi". `govchain contract abi FILE.wasm` prints it as
//    the JSON ABI, `govchain contract deploy` sends it, and the node refuses
//    a deploy whose ABI disagrees with it. Nobody writes an ABI by hand.
//
//   GOVCHAIN_CONTRACT("parking", "1.0.0", "parking_exemption", "Parking exemption permit");
//   GOVCHAIN_STRUCT(permit_facts, (zone, zone), (list<code>, conditions));
//   GOVCHAIN_CALL(revoke, (hash, id), (code, reason)) { ... uses id and reason ... }
//   GOVCHAIN_QUERY(permit, permit_facts, (hash, id)) { return permits.at(id, "unknown certificate"); }
//
// Types are written with their ABI names, which this header defines as C++
// types in namespace govchain: u32, u64, i64, bool, string, bytes, hash,
// pubkey, signature, code, zone, name, date, label, list<T>, and the names of
// structs declared with GOVCHAIN_STRUCT (write list<code> without spaces).
// A query returns one struct; its fields are the ABI's returns. The standard
// certificate methods come from verify.h (GOVCHAIN_CERTIFICATE_QUERIES,
// GOVCHAIN_ZONE_QUERIES), their types and events with them.
//
// Declarations go at namespace scope, one contract per namespace (so that
// native tests can link several contracts). Method and struct names are
// 1..64 of [a-z0-9_] and must not be ABI type names. At most 24 arguments
// or fields per declaration. Decoded arguments are views into the call's
// input (arena memory, valid until the call ends); nothing here is
// thread-safe, as nothing in a contract call needs to be.
#pragma once

#include "govchain/codes.h"
#include "govchain/contract.h"

namespace govchain {

// ---- The ABI's type names as C++ types ---------------------------------------

using u32 = uint32_t;
using u64 = uint64_t;
using i64 = int64_t;
using string = String;
using bytes = Bytes;
using hash = Hash;
using pubkey = PublicKey;
using signature = Signature;
using code = Code;
using zone = Zone;
using name = Name;
using date = Date;
using label = Label;
template <typename T>
using list = Vector<T>;

namespace detail {

// Decodes one argument of the call; a refusal names it.
template <typename T>
T read_argument(Reader& reader, const char* argument_name) {
  decoding_argument = argument_name;
  T value;
  decode(reader, value);
  decoding_argument = nullptr;
  return value;
}

// Encodes a query's answer (a struct) as the call's return data.
template <typename T>
void return_struct(const T& value) {
  Writer out;
  encode(out, value);
  return_value(out);
}

// Text that may go into the ABI section: printable ASCII without the
// characters the section and the assembler use (" \ |).
constexpr bool is_descriptor_text(const char* text) {
  for (; *text != 0; ++text)
    if (*text < 0x20 || *text > 0x7e || *text == '"' || *text == '\\' || *text == '|') return false;
  return true;
}

}  // namespace detail
}  // namespace govchain

// ---- Preprocessor helpers (not for contracts) --------------------------------

#define GOVCHAIN_DETAIL_CAT(a, b) GOVCHAIN_DETAIL_CAT_(a, b)
#define GOVCHAIN_DETAIL_CAT_(a, b) a##b
#define GOVCHAIN_DETAIL_STR(a) GOVCHAIN_DETAIL_STR_(a)
#define GOVCHAIN_DETAIL_STR_(a) #a
#define GOVCHAIN_DETAIL_TYPE(type, field) type
#define GOVCHAIN_DETAIL_FIELD(type, field) field
#define GOVCHAIN_DETAIL_COUNT(...)                                                                                     \
  GOVCHAIN_DETAIL_COUNT_(__VA_ARGS__, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, \
                         2, 1)
#define GOVCHAIN_DETAIL_COUNT_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, \
                               _20, _21, _22, _23, _24, count, ...)                                                  \
  count
#define GOVCHAIN_DETAIL_EACH_1(m, d, x) m(d, 1, x)
#define GOVCHAIN_DETAIL_EACH_2(m, d, x, ...) m(d, 2, x) GOVCHAIN_DETAIL_EACH_1(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_3(m, d, x, ...) m(d, 3, x) GOVCHAIN_DETAIL_EACH_2(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_4(m, d, x, ...) m(d, 4, x) GOVCHAIN_DETAIL_EACH_3(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_5(m, d, x, ...) m(d, 5, x) GOVCHAIN_DETAIL_EACH_4(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_6(m, d, x, ...) m(d, 6, x) GOVCHAIN_DETAIL_EACH_5(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_7(m, d, x, ...) m(d, 7, x) GOVCHAIN_DETAIL_EACH_6(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_8(m, d, x, ...) m(d, 8, x) GOVCHAIN_DETAIL_EACH_7(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_9(m, d, x, ...) m(d, 9, x) GOVCHAIN_DETAIL_EACH_8(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_10(m, d, x, ...) m(d, 10, x) GOVCHAIN_DETAIL_EACH_9(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_11(m, d, x, ...) m(d, 11, x) GOVCHAIN_DETAIL_EACH_10(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_12(m, d, x, ...) m(d, 12, x) GOVCHAIN_DETAIL_EACH_11(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_13(m, d, x, ...) m(d, 13, x) GOVCHAIN_DETAIL_EACH_12(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_14(m, d, x, ...) m(d, 14, x) GOVCHAIN_DETAIL_EACH_13(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_15(m, d, x, ...) m(d, 15, x) GOVCHAIN_DETAIL_EACH_14(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_16(m, d, x, ...) m(d, 16, x) GOVCHAIN_DETAIL_EACH_15(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_17(m, d, x, ...) m(d, 17, x) GOVCHAIN_DETAIL_EACH_16(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_18(m, d, x, ...) m(d, 18, x) GOVCHAIN_DETAIL_EACH_17(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_19(m, d, x, ...) m(d, 19, x) GOVCHAIN_DETAIL_EACH_18(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_20(m, d, x, ...) m(d, 20, x) GOVCHAIN_DETAIL_EACH_19(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_21(m, d, x, ...) m(d, 21, x) GOVCHAIN_DETAIL_EACH_20(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_22(m, d, x, ...) m(d, 22, x) GOVCHAIN_DETAIL_EACH_21(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_23(m, d, x, ...) m(d, 23, x) GOVCHAIN_DETAIL_EACH_22(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_EACH_24(m, d, x, ...) m(d, 24, x) GOVCHAIN_DETAIL_EACH_23(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_1(m, d, x) m(d, 1, x)
#define GOVCHAIN_DETAIL_LIST_2(m, d, x, ...) m(d, 2, x), GOVCHAIN_DETAIL_LIST_1(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_3(m, d, x, ...) m(d, 3, x), GOVCHAIN_DETAIL_LIST_2(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_4(m, d, x, ...) m(d, 4, x), GOVCHAIN_DETAIL_LIST_3(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_5(m, d, x, ...) m(d, 5, x), GOVCHAIN_DETAIL_LIST_4(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_6(m, d, x, ...) m(d, 6, x), GOVCHAIN_DETAIL_LIST_5(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_7(m, d, x, ...) m(d, 7, x), GOVCHAIN_DETAIL_LIST_6(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_8(m, d, x, ...) m(d, 8, x), GOVCHAIN_DETAIL_LIST_7(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_9(m, d, x, ...) m(d, 9, x), GOVCHAIN_DETAIL_LIST_8(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_10(m, d, x, ...) m(d, 10, x), GOVCHAIN_DETAIL_LIST_9(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_11(m, d, x, ...) m(d, 11, x), GOVCHAIN_DETAIL_LIST_10(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_12(m, d, x, ...) m(d, 12, x), GOVCHAIN_DETAIL_LIST_11(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_13(m, d, x, ...) m(d, 13, x), GOVCHAIN_DETAIL_LIST_12(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_14(m, d, x, ...) m(d, 14, x), GOVCHAIN_DETAIL_LIST_13(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_15(m, d, x, ...) m(d, 15, x), GOVCHAIN_DETAIL_LIST_14(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_16(m, d, x, ...) m(d, 16, x), GOVCHAIN_DETAIL_LIST_15(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_17(m, d, x, ...) m(d, 17, x), GOVCHAIN_DETAIL_LIST_16(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_18(m, d, x, ...) m(d, 18, x), GOVCHAIN_DETAIL_LIST_17(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_19(m, d, x, ...) m(d, 19, x), GOVCHAIN_DETAIL_LIST_18(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_20(m, d, x, ...) m(d, 20, x), GOVCHAIN_DETAIL_LIST_19(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_21(m, d, x, ...) m(d, 21, x), GOVCHAIN_DETAIL_LIST_20(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_22(m, d, x, ...) m(d, 22, x), GOVCHAIN_DETAIL_LIST_21(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_23(m, d, x, ...) m(d, 23, x), GOVCHAIN_DETAIL_LIST_22(m, d, __VA_ARGS__)
#define GOVCHAIN_DETAIL_LIST_24(m, d, x, ...) m(d, 24, x), GOVCHAIN_DETAIL_LIST_23(m, d, __VA_ARGS__)
// Applies m(owner, index, element) to every element; _LIST separates with commas.
#define GOVCHAIN_DETAIL_EACH(m, owner, ...) \
  __VA_OPT__(GOVCHAIN_DETAIL_CAT(GOVCHAIN_DETAIL_EACH_, GOVCHAIN_DETAIL_COUNT(__VA_ARGS__))(m, owner, __VA_ARGS__))
#define GOVCHAIN_DETAIL_LIST(m, owner, ...) \
  __VA_OPT__(GOVCHAIN_DETAIL_CAT(GOVCHAIN_DETAIL_LIST_, GOVCHAIN_DETAIL_COUNT(__VA_ARGS__))(m, owner, __VA_ARGS__))

// Each declared type gets an alias first, so that a member or parameter may
// carry the name of its type (`(zone, zone)`).
#define GOVCHAIN_DETAIL_TYPE_NAME(owner, index) GOVCHAIN_DETAIL_CAT(GOVCHAIN_DETAIL_CAT(owner, _type_), index)
#define GOVCHAIN_DETAIL_ALIAS(owner, index, pair) \
  using GOVCHAIN_DETAIL_TYPE_NAME(owner, index) = GOVCHAIN_DETAIL_TYPE pair;
#define GOVCHAIN_DETAIL_MEMBER(owner, index, pair) GOVCHAIN_DETAIL_TYPE_NAME(owner, index) GOVCHAIN_DETAIL_FIELD pair{};
#define GOVCHAIN_DETAIL_PARAMETER(owner, index, pair) \
  [[maybe_unused]] GOVCHAIN_DETAIL_TYPE_NAME(owner, index) GOVCHAIN_DETAIL_FIELD pair
#define GOVCHAIN_DETAIL_READ(owner, index, pair)                              \
  ::govchain::detail::read_argument<GOVCHAIN_DETAIL_TYPE_NAME(owner, index)>( \
      govchain_reader, GOVCHAIN_DETAIL_STR(GOVCHAIN_DETAIL_FIELD pair)),
#define GOVCHAIN_DETAIL_PASS(owner, index, pair) govchain_arguments.GOVCHAIN_DETAIL_FIELD pair
#define GOVCHAIN_DETAIL_ENCODE(owner, index, pair) encode(writer, value.GOVCHAIN_DETAIL_FIELD pair);
#define GOVCHAIN_DETAIL_DECODE(owner, index, pair) decode(reader, value.GOVCHAIN_DETAIL_FIELD pair);
#define GOVCHAIN_DETAIL_DESCRIBE(owner, index, pair) \
  GOVCHAIN_DETAIL_STR(GOVCHAIN_DETAIL_FIELD pair) ":" GOVCHAIN_DETAIL_STR(GOVCHAIN_DETAIL_TYPE pair) ","

// One entry of the ABI section: NUL-terminated text, "kind|...". The entries
// of all declarations are concatenated by the linker in one custom section.
// Natively there is no section; the text is still compiled (and so checked).
#if defined(__wasm__)
#define GOVCHAIN_DETAIL_ABI_ENTRY(text) \
  __asm__(".section .custom_section.govchain_abi,\"\",@\n.asciz \"" text "\"\n.text\n");
#define GOVCHAIN_DETAIL_EXPORT(method) \
  extern "C" __attribute__((export_name(#method))) void GOVCHAIN_DETAIL_CAT(govchain_export_, method)() { method(); }
#else
#define GOVCHAIN_DETAIL_ABI_ENTRY(text) static_assert(sizeof(text) > 1, "an ABI entry is text");
#define GOVCHAIN_DETAIL_EXPORT(method)
#endif

// A method whose body reads its arguments itself, with its ABI entry written
// out (the SDK's standard certificate queries use it).
#define GOVCHAIN_DETAIL_RAW_METHOD(method, entry) \
  void method();                                  \
  GOVCHAIN_DETAIL_EXPORT(method)                  \
  GOVCHAIN_DETAIL_ABI_ENTRY(entry)                \
  void method()

#define GOVCHAIN_DETAIL_ARGUMENTS(method, ...)                                                                 \
  GOVCHAIN_DETAIL_EACH(GOVCHAIN_DETAIL_ALIAS, GOVCHAIN_DETAIL_CAT(method, _govchain_argument), __VA_ARGS__)    \
  struct GOVCHAIN_DETAIL_CAT(method, _govchain_arguments) {                                                    \
    GOVCHAIN_DETAIL_EACH(GOVCHAIN_DETAIL_MEMBER, GOVCHAIN_DETAIL_CAT(method, _govchain_argument), __VA_ARGS__) \
  };

#define GOVCHAIN_DETAIL_BODY_SIGNATURE(result, method, ...) \
  result GOVCHAIN_DETAIL_CAT(method, _govchain_body)(       \
      GOVCHAIN_DETAIL_LIST(GOVCHAIN_DETAIL_PARAMETER, GOVCHAIN_DETAIL_CAT(method, _govchain_argument), __VA_ARGS__))

#define GOVCHAIN_DETAIL_READ_ALL(method, ...)                                                                    \
  ::govchain::Reader govchain_reader = ::govchain::arguments();                                                  \
  [[maybe_unused]] GOVCHAIN_DETAIL_CAT(method, _govchain_arguments) govchain_arguments{                          \
      GOVCHAIN_DETAIL_EACH(GOVCHAIN_DETAIL_READ, GOVCHAIN_DETAIL_CAT(method, _govchain_argument), __VA_ARGS__)}; \
  govchain_reader.finish();

#define GOVCHAIN_DETAIL_CALL_BODY(method, ...) \
  GOVCHAIN_DETAIL_CAT(method, _govchain_body)(GOVCHAIN_DETAIL_LIST(GOVCHAIN_DETAIL_PASS, method, __VA_ARGS__))

// ---- The declarations --------------------------------------------------------

// The contract's name (as normally deployed), its version, the certificate
// type of its records ("" when it issues none) and one line for people.
// Defines `certificate_type` in the current namespace.
#define GOVCHAIN_CONTRACT(contract_name, version, certificate_type_text, description)                           \
  static_assert(                                                                                                \
      ::govchain::detail::is_descriptor_text(contract_name "" version "" certificate_type_text "" description), \
      "GOVCHAIN_CONTRACT: printable ASCII without \", \\ or |");                                                \
  inline constexpr const char* certificate_type = certificate_type_text;                                        \
  GOVCHAIN_DETAIL_ABI_ENTRY("contract|" contract_name "|" version "|" certificate_type_text "|" description)

// A struct with its canonical encoding (the fields in order) and its ABI type.
#define GOVCHAIN_STRUCT(struct_name, ...)                                                                             \
  GOVCHAIN_DETAIL_EACH(GOVCHAIN_DETAIL_ALIAS, GOVCHAIN_DETAIL_CAT(struct_name, _govchain_field), __VA_ARGS__)         \
  struct struct_name {                                                                                                \
    GOVCHAIN_DETAIL_EACH(GOVCHAIN_DETAIL_MEMBER, GOVCHAIN_DETAIL_CAT(struct_name, _govchain_field), __VA_ARGS__)      \
  };                                                                                                                  \
  [[maybe_unused]] inline void encode(::govchain::Writer& writer, const struct_name& value) {                         \
    GOVCHAIN_DETAIL_EACH(GOVCHAIN_DETAIL_ENCODE, struct_name, __VA_ARGS__)                                            \
  }                                                                                                                   \
  [[maybe_unused]] inline void decode(::govchain::Reader& reader, struct_name& value){                                \
      GOVCHAIN_DETAIL_EACH(GOVCHAIN_DETAIL_DECODE, struct_name,                                                       \
                           __VA_ARGS__)} GOVCHAIN_DETAIL_ABI_ENTRY("struct|" #struct_name                             \
                                                                   "|" GOVCHAIN_DETAIL_EACH(GOVCHAIN_DETAIL_DESCRIBE, \
                                                                                            struct_name, __VA_ARGS__))

// A method that changes state (ABI kind "call"), sent as a transaction. The
// body follows in braces and sees the arguments by their names.
#define GOVCHAIN_CALL(method, ...)                                                                            \
  GOVCHAIN_DETAIL_ARGUMENTS(method, __VA_ARGS__)                                                              \
  GOVCHAIN_DETAIL_BODY_SIGNATURE(void, method, __VA_ARGS__);                                                  \
  void method() {                                                                                             \
    GOVCHAIN_DETAIL_READ_ALL(method, __VA_ARGS__)                                                             \
    GOVCHAIN_DETAIL_CALL_BODY(method, __VA_ARGS__);                                                           \
  }                                                                                                           \
  GOVCHAIN_DETAIL_EXPORT(method)                                                                              \
  GOVCHAIN_DETAIL_ABI_ENTRY("method|" #method                                                                 \
                            "|call|" GOVCHAIN_DETAIL_EACH(GOVCHAIN_DETAIL_DESCRIBE, method, __VA_ARGS__) "|") \
  GOVCHAIN_DETAIL_BODY_SIGNATURE(void, method, __VA_ARGS__)

// A read-only method (ABI kind "query") whose body returns `returns`, a
// struct: its fields are the method's ABI returns.
#define GOVCHAIN_QUERY(method, returns, ...)                                                                         \
  GOVCHAIN_DETAIL_ARGUMENTS(method, __VA_ARGS__)                                                                     \
  GOVCHAIN_DETAIL_BODY_SIGNATURE(returns, method, __VA_ARGS__);                                                      \
  void method() {                                                                                                    \
    GOVCHAIN_DETAIL_READ_ALL(method, __VA_ARGS__)                                                                    \
    ::govchain::detail::return_struct(GOVCHAIN_DETAIL_CALL_BODY(method, __VA_ARGS__));                               \
  }                                                                                                                  \
  GOVCHAIN_DETAIL_EXPORT(method)                                                                                     \
  GOVCHAIN_DETAIL_ABI_ENTRY(                                                                                         \
      "method|" #method "|query|" GOVCHAIN_DETAIL_EACH(GOVCHAIN_DETAIL_DESCRIBE, method, __VA_ARGS__) "|@" #returns) \
  GOVCHAIN_DETAIL_BODY_SIGNATURE(returns, method, __VA_ARGS__)
