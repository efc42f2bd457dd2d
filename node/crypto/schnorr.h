// BIP340 Schnorr signatures over secp256k1 (libsecp256k1).
//
// Keys are 32-byte x-only public keys; signatures are 64 bytes. Signing uses
// 32 bytes of fresh randomness as BIP340's auxiliary input unless the caller
// passes its own (tests do, to reproduce published vectors).
// All functions are thread-safe: the library context is created once and
// only read afterwards.
#pragma once

#include <optional>

#include "core/bytes.h"

namespace govchain::crypto {

using SecretKey = FixedBytes<32>;

struct KeyPair {
  SecretKey secret;
  PublicKey public_key;
};

// 32 bytes from the operating system's CSPRNG.
FixedBytes<32> random_32();
Bytes random_bytes(size_t size);

// A fresh key pair from the operating system's randomness.
KeyPair generate_key_pair();
// The key pair for `secret`, or an error if it is not a valid secret key.
Result<KeyPair> key_pair_from_secret(const SecretKey& secret);

// Signs `message` (any length) with `secret`.
Signature sign(const SecretKey& secret, ByteView message,
               std::optional<FixedBytes<32>> aux_random = std::nullopt);
// True when `signature` is a valid BIP340 signature of `message` by `public_key`.
bool verify(const PublicKey& public_key, ByteView message, const Signature& signature);
// True when `public_key` is a point on the curve (a usable x-only key).
bool is_valid_public_key(const PublicKey& public_key);

}  // namespace govchain::crypto
