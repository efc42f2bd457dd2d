// Key files for clients: loading a signing key, inspecting a file, and
// writing a new one without overwriting anything.
//
// The file formats are those of node/crypto/key_file.h: an encrypted form
// (scrypt + AES-256-GCM under a passphrase) and a plaintext dev form that is
// refused unless the caller explicitly allows dev keys. The passphrase comes
// from the environment variable GOVCHAIN_KEY_PASSPHRASE when it is set, else
// from the caller's prompt callback (a terminal prompt, a portal's secret
// store); with neither, loading an encrypted file fails with a message that
// says how to provide one.
//
// These functions read and write files; they keep no state and are
// thread-safe as long as callers do not write the same path concurrently.
// Secret keys are returned in KeyPair values that the caller owns.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "crypto/key_file.h"
#include "crypto/schnorr.h"

namespace govchain::client {

inline constexpr const char* passphrase_environment_variable = "GOVCHAIN_KEY_PASSPHRASE";
inline constexpr size_t key_file_size_bytes_max = 64 * 1024;

// Asks for a passphrase; `prompt` is the text to show ("Passphrase for X: ").
using PassphrasePrompt = std::function<Result<std::string>(std::string_view prompt)>;

struct KeyLoadOptions {
  // Plaintext dev key files are refused unless this is true.
  bool allow_dev_keys = false;
  // Read the passphrase from GOVCHAIN_KEY_PASSPHRASE when it is set.
  bool use_environment = true;
  // Asked when the environment has no passphrase; may be empty.
  PassphrasePrompt prompt;
};

struct LoadedKey {
  crypto::KeyPair key_pair;
  bool dev_only = false;  // it was a plaintext dev key file
  std::string path;
};

// Loads and decrypts the key file at `path`. Errors: Code::not_found (no such
// file), Code::unauthorized (wrong passphrase, or a dev key without
// allow_dev_keys), Code::malformed (not a key file), Code::invalid_argument
// (a passphrase is needed but none was available).
Result<LoadedKey> load_key_file(const std::string& path, const KeyLoadOptions& options);

struct KeyFileInfo {
  PublicKey public_key;
  bool dev_only = false;
  bool encrypted = false;
  std::string label;  // dev files may carry one ("admin", ...); empty otherwise
};
// What a key file holds, without decrypting it.
Result<KeyFileInfo> inspect_key_file(const std::string& path);

// Writes `text` to a new file at `path`, readable by the owner only (0600).
// Refuses with Code::already_exists when anything exists at `path`.
Status write_new_key_file(const std::string& path, std::string_view text);

// Reads a whole small file (at most `size_bytes_max`).
Result<std::string> read_small_file(const std::string& path, size_t size_bytes_max);

}  // namespace govchain::client
