#include "client/keys.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace govchain::client {

Result<std::string> read_small_file(const std::string& path, size_t size_bytes_max) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return error(Code::not_found, "cannot open " + path + ": " + std::strerror(errno));
  std::string text;
  char buffer[4096];
  while (file.read(buffer, sizeof(buffer)) || file.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(file.gcount()));
    if (text.size() > size_bytes_max)
      return error(Code::too_large, path + " is larger than " + std::to_string(size_bytes_max) + " bytes");
  }
  if (file.bad()) return error(Code::io_error, "cannot read " + path);
  return text;
}

static Result<std::string> passphrase_for(const std::string& path, const KeyLoadOptions& options) {
  if (options.use_environment) {
    if (const char* value = std::getenv(passphrase_environment_variable)) return std::string(value);
  }
  if (options.prompt) return options.prompt("Passphrase for " + path + ": ");
  return error(Code::invalid_argument, path + " is encrypted: set " + std::string(passphrase_environment_variable) +
                                           " or run on a terminal to be asked for the passphrase");
}

Result<LoadedKey> load_key_file(const std::string& path, const KeyLoadOptions& options) {
  auto text = read_small_file(path, key_file_size_bytes_max);
  if (!text.ok()) return text.status();
  LoadedKey loaded;
  loaded.path = path;
  loaded.dev_only = crypto::is_dev_key_file(*text);
  std::string passphrase;
  if (loaded.dev_only) {
    if (!options.allow_dev_keys)
      return error(Code::unauthorized, path +
                                           " is a plaintext dev key; allow dev keys explicitly to use it "
                                           "(CLI: --dev-key or GOVCHAIN_DEV=1), and never on a real network");
  } else {
    auto asked = passphrase_for(path, options);
    if (!asked.ok()) return asked.status();
    passphrase = std::move(*asked);
  }
  crypto::KeyFileOptions file_options;
  file_options.allow_dev_plaintext = options.allow_dev_keys;
  auto pair = crypto::decode_key_file(*text, passphrase, file_options);
  if (!pair.ok()) return pair.status().with_context(path);
  loaded.key_pair = *pair;
  return loaded;
}

Result<KeyFileInfo> inspect_key_file(const std::string& path) {
  auto text = read_small_file(path, key_file_size_bytes_max);
  if (!text.ok()) return text.status();
  auto public_key = crypto::key_file_public_key(*text);
  if (!public_key.ok()) return public_key.status().with_context(path);
  KeyFileInfo info;
  info.public_key = *public_key;
  info.dev_only = crypto::is_dev_key_file(*text);
  nlohmann::json object = nlohmann::json::parse(*text, nullptr, false);
  if (object.is_object()) {
    info.encrypted = object.contains("ciphertext");
    if (object.contains("label") && object["label"].is_string()) info.label = object["label"].get<std::string>();
  }
  return info;
}

Status write_new_key_file(const std::string& path, std::string_view text) {
  int descriptor = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (descriptor < 0) {
    if (errno == EEXIST) return error(Code::already_exists, path + " already exists; refusing to overwrite a key");
    return error(Code::io_error, "cannot create " + path + ": " + std::strerror(errno));
  }
  size_t written = 0;
  while (written < text.size()) {
    ssize_t count = ::write(descriptor, text.data() + written, text.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) {
      std::string reason = std::strerror(errno);
      ::close(descriptor);
      ::unlink(path.c_str());
      return error(Code::io_error, "cannot write " + path + ": " + reason);
    }
    written += static_cast<size_t>(count);
  }
  const bool synced = ::fsync(descriptor) == 0;
  const bool closed = ::close(descriptor) == 0;
  if (!synced || !closed) {
    ::unlink(path.c_str());
    return error(Code::io_error, "cannot sync " + path);
  }
  return Status();
}

}  // namespace govchain::client
