// Key files: a JSON text holding a public key and its secret key.
//
// The normal form encrypts the secret key under a passphrase: scrypt derives
// a 256-bit key, AES-256-GCM encrypts and authenticates (the public key is
// bound as associated data, so swapping it in the file is detected).
// The dev form stores the secret key in plain hex and is refused unless the
// caller explicitly allows dev keys; it is only for local development chains.
// These functions convert between KeyPair and text; reading and writing the
// file is the caller's job. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "crypto/schnorr.h"

namespace govchain::crypto {

struct ScryptParameters {
  uint64_t cost = 1 << 15;  // N: ~32 MiB of memory and ~0.1 s per derivation
  uint32_t block_size = 8;  // r
  uint32_t parallelism = 1; // p
};

// Encrypted key file text.
Result<std::string> encode_encrypted_key_file(const KeyPair& key_pair, std::string_view passphrase,
                                              ScryptParameters parameters = {});
// Plaintext dev key file text, marked dev-only.
std::string encode_dev_key_file(const KeyPair& key_pair, std::string_view label = "");

struct KeyFileOptions {
  bool allow_dev_plaintext = false;
};

// Parses either form. A wrong passphrase or a tampered file fails with
// Code::unauthorized; a dev file fails unless options allow it.
Result<KeyPair> decode_key_file(std::string_view text, std::string_view passphrase, KeyFileOptions options = {});

// Reads just the public key from either form (no passphrase needed).
Result<PublicKey> key_file_public_key(std::string_view text);
// True when the text is a dev plaintext key file.
bool is_dev_key_file(std::string_view text);

}  // namespace govchain::crypto
