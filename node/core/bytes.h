// Byte strings and fixed-size byte arrays (hashes, keys, signatures), with
// hex conversion. Plain values; safe to copy between threads.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace govchain {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// Lower-case hex of `bytes`.
std::string to_hex(ByteView bytes);
// Parses hex (upper or lower case, even length, no prefix).
Result<Bytes> from_hex(std::string_view hex);

inline Bytes to_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }
inline std::string to_string(ByteView bytes) { return std::string(bytes.begin(), bytes.end()); }

// A fixed-size byte array with ordering, hex and hashing support.
template <size_t N>
struct FixedBytes {
  static constexpr size_t size_bytes = N;
  std::array<uint8_t, N> data{};

  static FixedBytes from_view(ByteView view) {
    FixedBytes result;
    if (view.size() == N) std::memcpy(result.data.data(), view.data(), N);
    return result;
  }
  static Result<FixedBytes> from_hex_string(std::string_view hex) {
    auto bytes = from_hex(hex);
    if (!bytes.ok()) return bytes.status();
    if (bytes->size() != N)
      return error(Code::invalid_argument, "expected " + std::to_string(N) + " bytes (" +
                                               std::to_string(2 * N) + " hex digits), got " +
                                               std::to_string(bytes->size()));
    return from_view(*bytes);
  }
  std::string hex() const { return to_hex(view()); }
  ByteView view() const { return ByteView(data.data(), N); }
  Bytes bytes() const { return Bytes(data.begin(), data.end()); }
  bool is_zero() const {
    for (uint8_t b : data)
      if (b) return false;
    return true;
  }
  uint8_t* begin_mut() { return data.data(); }
  auto operator<=>(const FixedBytes&) const = default;
  bool operator==(const FixedBytes&) const = default;
};

using Hash = FixedBytes<32>;       // SHA-256 digest
using PublicKey = FixedBytes<32>;  // BIP340 x-only public key (also an account id)
using Signature = FixedBytes<64>;  // BIP340 Schnorr signature

struct FixedBytesHasher {
  template <size_t N>
  size_t operator()(const FixedBytes<N>& value) const {
    size_t result;
    std::memcpy(&result, value.data.data(), sizeof(result));
    return result;
  }
};

}  // namespace govchain
