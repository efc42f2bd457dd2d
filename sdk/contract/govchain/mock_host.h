// A mock of the govchain host for native unit tests of contracts.
//
// It implements every import of host.h over std::map: storage per contract
// name, roles, block height and time, events, return data, and abort with
// revert. SHA-256 is implemented here; BIP340 verification and signing use
// libsecp256k1 (link PkgConfig::secp256k1).
//
// Include this header in exactly ONE translation unit of a test program: it
// defines the host functions (they are plain C functions, as on wasm32).
// debug() lines of the contract (contract.h) are printed on standard error
// as "[debug <contract>] <text>" and kept in CallResult::debug.
// Not thread-safe; one Host is current at a time (set by its constructor).
#pragma once

#if defined(__wasm__)
#error "mock_host.h is for native unit tests only"
#endif

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "govchain/codec.h"
#include "govchain/codes.h"

namespace govchain::mock {

using ByteString = std::vector<uint8_t>;
using Key32 = std::array<uint8_t, 32>;

// ---- SHA-256 (FIPS 180-4), small and slow: for tests only ------------------

inline Key32 sha256(const uint8_t* data, size_t size) {
  static const uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  ByteString message(data, data + size);
  uint64_t bit_length = uint64_t(size) * 8;
  message.push_back(0x80);
  while (message.size() % 64 != 56) message.push_back(0);
  for (int i = 7; i >= 0; --i) message.push_back(static_cast<uint8_t>(bit_length >> (8 * i)));
  auto rotr = [](uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (size_t block = 0; block < message.size(); block += 64) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = uint32_t(message[block + 4 * i]) << 24 | uint32_t(message[block + 4 * i + 1]) << 16 |
             uint32_t(message[block + 4 * i + 2]) << 8 | uint32_t(message[block + 4 * i + 3]);
    for (int i = 16; i < 64; ++i) {
      uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
  }
  Key32 out;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(h[i] >> (24 - 8 * j));
  return out;
}

inline Key32 tagged_hash(const ByteString& tag, const ByteString& message) {
  Key32 tag_hash = sha256(tag.data(), tag.size());
  ByteString whole(tag_hash.begin(), tag_hash.end());
  whole.insert(whole.end(), tag_hash.begin(), tag_hash.end());
  whole.insert(whole.end(), message.begin(), message.end());
  return sha256(whole.data(), whole.size());
}

// ---- Keys ----------------------------------------------------------------------

inline secp256k1_context* secp_context() {
  static secp256k1_context* context = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
  return context;
}

// A deterministic test key pair: secret = sha256("govchain-test-key" || seed).
struct KeyPair {
  secp256k1_keypair pair;
  PublicKey public_key;
};

inline KeyPair key_pair(const std::string& seed) {
  std::string material = "govchain-test-key" + seed;
  Key32 secret = sha256(reinterpret_cast<const uint8_t*>(material.data()), material.size());
  KeyPair result;
  if (!secp256k1_keypair_create(secp_context(), &result.pair, secret.data())) throw std::logic_error("bad test key");
  secp256k1_xonly_pubkey xonly;
  if (!secp256k1_keypair_xonly_pub(secp_context(), &xonly, nullptr, &result.pair) ||
      !secp256k1_xonly_pubkey_serialize(secp_context(), result.public_key.bytes, &xonly))
    throw std::logic_error("bad test key");
  return result;
}

// BIP340 signature of a 32-byte message.
inline Signature sign(const KeyPair& key, const Key32& message) {
  Signature signature;
  Key32 auxiliary{};
  if (!secp256k1_schnorrsig_sign32(secp_context(), signature.bytes, message.data(), &key.pair, auxiliary.data()))
    throw std::logic_error("signing failed");
  return signature;
}

// ---- The host --------------------------------------------------------------------

// Thrown by abort() and by traps; the call ends, its writes are reverted.
struct CallAborted : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Event {
  std::string contract;
  std::string topic;
  ByteString data;
};

struct CallResult {
  bool ok = false;
  std::string error;  // the abort message or trap
  ByteString output;  // return_data
  std::vector<Event> events;
  std::vector<std::string> debug;  // the call's debug() lines, also after an abort
};

using Method = void (*)();

class Host {
 public:
  Host() { current() = this; }
  ~Host() {
    if (current() == this) current() = nullptr;
  }
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  static Host*& current() {
    static Host* host = nullptr;
    return host;
  }

  // Chain state.
  std::map<std::string, std::map<ByteString, ByteString>> storage;  // contract -> key -> value
  std::set<std::tuple<Key32, std::string, std::string>> roles;
  // Accounts registered by contracts (account_register): account ->
  // contract -> valid until (block time, ms).
  std::map<Key32, std::map<std::string, int64_t>> registrations;
  uint64_t height = 1;
  int64_t time_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
  std::vector<Event> all_events;

  void grant(const PublicKey& account, const std::string& municipality, const std::string& role) {
    roles.insert({to_key(account), municipality, role});
  }
  void revoke_role(const PublicKey& account, const std::string& municipality, const std::string& role) {
    roles.erase({to_key(account), municipality, role});
  }
  // The next block, `elapsed_ms` later.
  void next_block(int64_t elapsed_ms = 5000) {
    ++height;
    time_ms += elapsed_ms;
  }

  // A transaction: the writes stay unless the method aborts.
  CallResult call(const std::string& contract, Method method, const PublicKey& caller, const ByteString& arguments) {
    auto saved = storage;
    auto saved_registrations = registrations;
    CallResult result = run(contract, method, caller, arguments);
    if (!result.ok) {
      storage = saved;
      registrations = saved_registrations;
    } else {
      all_events.insert(all_events.end(), result.events.begin(), result.events.end());
    }
    return result;
  }
  // A query: writes are discarded in every case; no caller by default.
  CallResult query(const std::string& contract, Method method, const ByteString& arguments,
                   const PublicKey& caller = PublicKey()) {
    auto saved = storage;
    auto saved_registrations = registrations;
    CallResult result = run(contract, method, caller, arguments);
    storage = saved;
    registrations = saved_registrations;
    return result;
  }

  // The state of the running call, used by the host functions below.
  std::string contract;
  PublicKey caller;
  ByteString input;
  CallResult* running = nullptr;

  static Key32 to_key(const PublicKey& key) {
    Key32 out;
    std::memcpy(out.data(), key.bytes, 32);
    return out;
  }

 private:
  CallResult run(const std::string& contract_name, Method method, const PublicKey& caller_key,
                 const ByteString& arguments) {
    CallResult result;
    contract = contract_name;
    caller = caller_key;
    input = arguments;
    running = &result;
    detail::arena_reset();
    detail::decoding_argument = nullptr;  // a wasm call starts with fresh globals, too
    try {
      method();
      result.ok = true;
    } catch (const CallAborted& aborted) {
      result.ok = false;
      result.error = aborted.what();
      result.events.clear();
    }
    running = nullptr;
    return result;
  }
};

inline Host& host() {
  if (Host::current() == nullptr) throw std::logic_error("no mock host");
  return *Host::current();
}

inline ByteString bytes_of(const uint8_t* data, int32_t size) {
  if (size < 0) throw CallAborted("trap: negative length");
  return ByteString(data, data + size);
}

inline std::string text_of(const uint8_t* data, int32_t size) {
  ByteString bytes = bytes_of(data, size);
  return std::string(bytes.begin(), bytes.end());
}

inline int32_t copy_out(const ByteString& value, uint8_t* destination, int32_t capacity) {
  size_t count = std::min(value.size(), static_cast<size_t>(capacity < 0 ? 0 : capacity));
  if (count > 0) std::memcpy(destination, value.data(), count);
  return static_cast<int32_t>(value.size());
}

inline void check_key_size(int32_t key_length) {
  if (key_length > 1024) throw CallAborted("trap: storage key longer than 1024 bytes");
}

}  // namespace govchain::mock

// ---- The host functions (one definition per test program) -------------------

extern "C" {
int32_t govchain_host_input_size(void) { return static_cast<int32_t>(govchain::mock::host().input.size()); }
void govchain_host_input_read(uint8_t* destination) {
  auto& input = govchain::mock::host().input;
  if (!input.empty()) std::memcpy(destination, input.data(), input.size());
}
void govchain_host_return_data(const uint8_t* data, int32_t length) {
  if (length > 64 * 1024) throw govchain::mock::CallAborted("trap: return data larger than 64 KiB");
  govchain::mock::host().running->output = govchain::mock::bytes_of(data, length);
}
void govchain_host_caller(uint8_t* destination) { std::memcpy(destination, govchain::mock::host().caller.bytes, 32); }
int32_t govchain_host_self_name(uint8_t* destination, int32_t capacity) {
  const std::string& name = govchain::mock::host().contract;
  return govchain::mock::copy_out(govchain::mock::ByteString(name.begin(), name.end()), destination, capacity);
}
int64_t govchain_host_block_height(void) { return static_cast<int64_t>(govchain::mock::host().height); }
int64_t govchain_host_block_time_ms(void) { return govchain::mock::host().time_ms; }
int32_t govchain_host_storage_get_of(const uint8_t* contract, int32_t contract_length, const uint8_t* key,
                                     int32_t key_length, uint8_t* destination, int32_t capacity) {
  using namespace govchain::mock;
  check_key_size(key_length);
  auto space = host().storage.find(text_of(contract, contract_length));
  if (space == host().storage.end()) return -1;
  auto entry = space->second.find(bytes_of(key, key_length));
  if (entry == space->second.end()) return -1;
  return copy_out(entry->second, destination, capacity);
}
int32_t govchain_host_storage_get(const uint8_t* key, int32_t key_length, uint8_t* destination, int32_t capacity) {
  const std::string& name = govchain::mock::host().contract;
  return govchain_host_storage_get_of(reinterpret_cast<const uint8_t*>(name.data()), static_cast<int32_t>(name.size()),
                                      key, key_length, destination, capacity);
}
void govchain_host_storage_set(const uint8_t* key, int32_t key_length, const uint8_t* value, int32_t value_length) {
  using namespace govchain::mock;
  check_key_size(key_length);
  if (value_length > 64 * 1024) throw CallAborted("trap: storage value larger than 64 KiB");
  host().storage[host().contract][bytes_of(key, key_length)] = bytes_of(value, value_length);
}
void govchain_host_storage_remove(const uint8_t* key, int32_t key_length) {
  using namespace govchain::mock;
  check_key_size(key_length);
  host().storage[host().contract].erase(bytes_of(key, key_length));
}
int32_t govchain_host_storage_has(const uint8_t* key, int32_t key_length) {
  using namespace govchain::mock;
  check_key_size(key_length);
  auto& space = host().storage[host().contract];
  return space.count(bytes_of(key, key_length)) ? 1 : 0;
}
void govchain_host_emit_event(const uint8_t* topic, int32_t topic_length, const uint8_t* data, int32_t data_length) {
  using namespace govchain::mock;
  if (topic_length > 64 || data_length > 64 * 1024) throw CallAborted("trap: event too large");
  host().running->events.push_back({host().contract, text_of(topic, topic_length), bytes_of(data, data_length)});
}
void govchain_host_sha256(const uint8_t* data, int32_t length, uint8_t* destination) {
  auto hash = govchain::mock::sha256(data, static_cast<size_t>(length));
  std::memcpy(destination, hash.data(), 32);
}
void govchain_host_tagged_hash(const uint8_t* tag, int32_t tag_length, const uint8_t* message, int32_t message_length,
                               uint8_t* destination) {
  using namespace govchain::mock;
  auto hash = tagged_hash(bytes_of(tag, tag_length), bytes_of(message, message_length));
  std::memcpy(destination, hash.data(), 32);
}
int32_t govchain_host_schnorr_verify(const uint8_t* public_key, const uint8_t* message, int32_t message_length,
                                     const uint8_t* signature) {
  using namespace govchain::mock;
  secp256k1_xonly_pubkey key;
  if (!secp256k1_xonly_pubkey_parse(secp_context(), &key, public_key)) return 0;
  return secp256k1_schnorrsig_verify(secp_context(), signature, message, static_cast<size_t>(message_length), &key) ? 1
                                                                                                                    : 0;
}
int32_t govchain_host_has_role(const uint8_t* account, const uint8_t* municipality, int32_t municipality_length,
                               const uint8_t* role, int32_t role_length) {
  using namespace govchain::mock;
  Key32 key;
  std::memcpy(key.data(), account, 32);
  return host().roles.count({key, text_of(municipality, municipality_length), text_of(role, role_length)}) ? 1 : 0;
}
void govchain_host_debug_print(const uint8_t* text, int32_t length) {
  using namespace govchain::mock;
  if (length > 1024) throw CallAborted("trap: debug text longer than 1 KiB");
  std::string line = text_of(text, length);
  std::fprintf(stderr, "[debug %s] %s\n", host().contract.c_str(), line.c_str());
  host().running->debug.push_back(std::move(line));
}
void govchain_host_account_register(const uint8_t* account, int64_t valid_until_ms) {
  using namespace govchain::mock;
  Key32 key;
  std::memcpy(key.data(), account, 32);
  host().registrations[key][host().contract] = valid_until_ms;
}
void govchain_host_account_unregister(const uint8_t* account) {
  using namespace govchain::mock;
  Key32 key;
  std::memcpy(key.data(), account, 32);
  auto found = host().registrations.find(key);
  if (found == host().registrations.end()) return;
  found->second.erase(host().contract);
  if (found->second.empty()) host().registrations.erase(found);
}
[[noreturn]] void govchain_host_abort(const uint8_t* message, int32_t length) {
  if (length > 1024) throw govchain::mock::CallAborted("trap: abort message longer than 1 KiB");
  throw govchain::mock::CallAborted(govchain::mock::text_of(message, length));
}
}
