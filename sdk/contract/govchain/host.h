// The host API: the functions a contract imports from module "govchain"
// (specified in docs/contracts.md, section "Host API"), and thin typed
// wrappers over them.
//
// On wasm32 each raw function is an import; pointers are offsets into the
// contract's exported memory. In native builds (unit tests) the same C
// functions are defined by mock_host.h. Every raw function name here is
// `govchain_host_<import name>`; the import name is the part after the prefix.
// Gas is charged by the host, per call and per byte; the contract does not
// count anything itself.
#pragma once

#include "govchain/base.h"

#if defined(__wasm__)
#define GOVCHAIN_IMPORT(name) __attribute__((import_module("govchain"), import_name(#name)))
#else
#define GOVCHAIN_IMPORT(name)
#endif

extern "C" {
GOVCHAIN_IMPORT(input_size) int32_t govchain_host_input_size(void);
GOVCHAIN_IMPORT(input_read) void govchain_host_input_read(uint8_t* destination);
GOVCHAIN_IMPORT(return_data) void govchain_host_return_data(const uint8_t* data, int32_t length);
GOVCHAIN_IMPORT(caller) void govchain_host_caller(uint8_t* destination);
GOVCHAIN_IMPORT(self_name) int32_t govchain_host_self_name(uint8_t* destination, int32_t capacity);
GOVCHAIN_IMPORT(block_height) int64_t govchain_host_block_height(void);
GOVCHAIN_IMPORT(block_time_ms) int64_t govchain_host_block_time_ms(void);
GOVCHAIN_IMPORT(storage_get)
int32_t govchain_host_storage_get(const uint8_t* key, int32_t key_length, uint8_t* destination, int32_t capacity);
GOVCHAIN_IMPORT(storage_set)
void govchain_host_storage_set(const uint8_t* key, int32_t key_length, const uint8_t* value, int32_t value_length);
GOVCHAIN_IMPORT(storage_remove) void govchain_host_storage_remove(const uint8_t* key, int32_t key_length);
GOVCHAIN_IMPORT(storage_has) int32_t govchain_host_storage_has(const uint8_t* key, int32_t key_length);
GOVCHAIN_IMPORT(storage_get_of)
int32_t govchain_host_storage_get_of(const uint8_t* contract, int32_t contract_length, const uint8_t* key,
                                     int32_t key_length, uint8_t* destination, int32_t capacity);
GOVCHAIN_IMPORT(emit_event)
void govchain_host_emit_event(const uint8_t* topic, int32_t topic_length, const uint8_t* data, int32_t data_length);
GOVCHAIN_IMPORT(sha256) void govchain_host_sha256(const uint8_t* data, int32_t length, uint8_t* destination);
GOVCHAIN_IMPORT(tagged_hash)
void govchain_host_tagged_hash(const uint8_t* tag, int32_t tag_length, const uint8_t* message, int32_t message_length,
                               uint8_t* destination);
GOVCHAIN_IMPORT(schnorr_verify)
int32_t govchain_host_schnorr_verify(const uint8_t* public_key, const uint8_t* message, int32_t message_length,
                                     const uint8_t* signature);
GOVCHAIN_IMPORT(has_role)
int32_t govchain_host_has_role(const uint8_t* account, const uint8_t* municipality, int32_t municipality_length,
                               const uint8_t* role, int32_t role_length);
GOVCHAIN_IMPORT(account_register) void govchain_host_account_register(const uint8_t* account, int64_t valid_until_ms);
GOVCHAIN_IMPORT(account_unregister) void govchain_host_account_unregister(const uint8_t* account);
[[noreturn]] GOVCHAIN_IMPORT(abort) void govchain_host_abort(const uint8_t* message, int32_t length);
// Only in debug builds (GOVCHAIN_DEBUG) and native tests: the node offers it
// on dev chains only and refuses to deploy a module that imports it elsewhere.
#if !defined(__wasm__) || defined(GOVCHAIN_DEBUG)
GOVCHAIN_IMPORT(debug_print) void govchain_host_debug_print(const uint8_t* text, int32_t length);
#endif
}

namespace govchain {

// Host limits (the host traps beyond them; the SDK checks first so that the
// contract fails with a readable message instead).
// 1024 bytes of state key minus the node's prefix "c/s/" + name + "/" for
// the longest contract name (docs/contracts.md, section 8).
inline constexpr uint32_t storage_key_size_max = 955;
inline constexpr uint32_t storage_value_size_max = 64 * 1024;
inline constexpr uint32_t return_data_size_max = 64 * 1024;
inline constexpr uint32_t event_topic_size_max = 64;
inline constexpr uint32_t event_data_size_max = 64 * 1024;
inline constexpr uint32_t abort_message_size_max = 1024;
inline constexpr uint32_t debug_text_size_max = 1024;

namespace detail {
inline int32_t as_length(uint32_t size) { return static_cast<int32_t>(size); }
}  // namespace detail

// Ends the call: the message goes into the receipt and every write of the
// call is reverted.
[[noreturn]] inline void fail(Bytes message) {
  uint32_t length = message.size > abort_message_size_max ? abort_message_size_max : message.size;
  govchain_host_abort(message.data, detail::as_length(length));
}
[[noreturn]] inline void fail(const char* message) { fail(Bytes(message)); }

// The contract's precondition check: aborts the call with `message` unless
// `condition` holds. Messages are fixed texts, never personal data.
inline void require(bool condition, const char* message) {
  if (!condition) fail(message);
}

// The call's argument bytes (canonical encoding, see codec.h).
inline Bytes input() {
  int32_t size = govchain_host_input_size();
  uint8_t* buffer = allocate<uint8_t>(static_cast<uint32_t>(size));
  if (size > 0) govchain_host_input_read(buffer);
  return Bytes(buffer, static_cast<uint32_t>(size));
}

inline void set_return(Bytes data) {
  require(data.size <= return_data_size_max, "return data larger than 64 KiB");
  govchain_host_return_data(data.data, detail::as_length(data.size));
}

// The account that signed the transaction; all zero in a query without caller.
inline PublicKey caller() {
  PublicKey key;
  govchain_host_caller(key.bytes);
  return key;
}

inline String self_name() {
  uint8_t* buffer = allocate<uint8_t>(64);
  int32_t length = govchain_host_self_name(buffer, 64);
  if (length <= 64) return String(buffer, static_cast<uint32_t>(length));
  buffer = allocate<uint8_t>(static_cast<uint32_t>(length));
  govchain_host_self_name(buffer, length);
  return String(buffer, static_cast<uint32_t>(length));
}

inline uint64_t block_height() { return static_cast<uint64_t>(govchain_host_block_height()); }
inline int64_t block_time_ms() { return govchain_host_block_time_ms(); }

inline Hash sha256(Bytes data) {
  Hash out;
  govchain_host_sha256(data.data, detail::as_length(data.size), out.bytes);
  return out;
}

// SHA256(SHA256(tag) || SHA256(tag) || message), as in BIP340.
inline Hash tagged_hash(Bytes tag, Bytes message) {
  Hash out;
  govchain_host_tagged_hash(tag.data, detail::as_length(tag.size), message.data, detail::as_length(message.size),
                            out.bytes);
  return out;
}

inline bool schnorr_verify(const PublicKey& key, Bytes message, const Signature& signature) {
  return govchain_host_schnorr_verify(key.bytes, message.data, detail::as_length(message.size), signature.bytes) == 1;
}

// Shared (consortium) contracts only — the host traps for others: tells the
// chain that `account` is known (vouched for by this contract) until
// `valid_until_ms` (block time), or no longer. The identity contract
// registers the keys it attests (docs/decisions/known-accounts.md).
inline void register_account(const PublicKey& account, int64_t valid_until_ms) {
  govchain_host_account_register(account.bytes, valid_until_ms);
}
inline void unregister_account(const PublicKey& account) { govchain_host_account_unregister(account.bytes); }

// Whether `account` holds governance role `role` in `municipality` at this block.
inline bool has_role(const PublicKey& account, String municipality, String role) {
  return govchain_host_has_role(account.bytes, municipality.data, detail::as_length(municipality.size), role.data,
                                detail::as_length(role.size)) == 1;
}

}  // namespace govchain
