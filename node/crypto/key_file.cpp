#include "crypto/key_file.h"

#include <crypto++/aes.h>
#include <crypto++/filters.h>
#include <crypto++/gcm.h>
#include <crypto++/scrypt.h>

#include <nlohmann/json.hpp>

namespace govchain::crypto {

using json = nlohmann::json;

namespace {

constexpr const char* file_type = "govchain-key";
constexpr int tag_size_bytes = 16;
constexpr uint64_t scrypt_cost_max = 1 << 20;

Result<FixedBytes<32>> derive_key(std::string_view passphrase, ByteView salt, const ScryptParameters& parameters) {
  if (parameters.cost < 2 || (parameters.cost & (parameters.cost - 1)) != 0 || parameters.cost > scrypt_cost_max)
    return error(Code::invalid_argument, "scrypt cost must be a power of two between 2 and 2^20");
  if (parameters.block_size == 0 || parameters.block_size > 32 || parameters.parallelism == 0 ||
      parameters.parallelism > 16)
    return error(Code::invalid_argument, "scrypt block size must be 1..32 and parallelism 1..16");
  FixedBytes<32> key;
  try {
    CryptoPP::Scrypt scrypt;
    scrypt.DeriveKey(key.begin_mut(), 32, reinterpret_cast<const CryptoPP::byte*>(passphrase.data()),
                     passphrase.size(), salt.data(), salt.size(), parameters.cost, parameters.block_size,
                     parameters.parallelism);
  } catch (const CryptoPP::Exception& failure) {
    return error(Code::internal, std::string("scrypt failed: ") + failure.what());
  }
  return key;
}

Result<Bytes> hex_field(const json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_string())
    return error(Code::malformed, std::string("key file lacks the text field '") + name + "'");
  auto bytes = from_hex(object[name].get<std::string>());
  if (!bytes.ok()) return bytes.status().with_context(std::string("key file field '") + name + "'");
  return bytes;
}

Result<json> parse_key_json(std::string_view text) {
  json object = json::parse(text, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return error(Code::malformed, "key file is not a JSON object");
  if (object.value("type", "") != file_type)
    return error(Code::malformed, std::string("key file 'type' is not '") + file_type + "'");
  return object;
}

Result<KeyPair> checked_pair(const SecretKey& secret, const PublicKey& expected) {
  auto pair = key_pair_from_secret(secret);
  if (!pair.ok()) return pair.status();
  if (pair->public_key != expected)
    return error(Code::corruption, "key file's public key does not match its secret key");
  return pair;
}

}  // namespace

Result<std::string> encode_encrypted_key_file(const KeyPair& key_pair, std::string_view passphrase,
                                              ScryptParameters parameters) {
  Bytes salt = random_bytes(32);
  Bytes nonce = random_bytes(12);
  auto key = derive_key(passphrase, salt, parameters);
  if (!key.ok()) return key.status();
  std::string ciphertext;
  try {
    CryptoPP::GCM<CryptoPP::AES>::Encryption encryption;
    encryption.SetKeyWithIV(key->data.data(), 32, nonce.data(), nonce.size());
    CryptoPP::AuthenticatedEncryptionFilter filter(encryption, new CryptoPP::StringSink(ciphertext), false,
                                                   tag_size_bytes);
    filter.ChannelPut(CryptoPP::AAD_CHANNEL, key_pair.public_key.data.data(), 32);
    filter.ChannelMessageEnd(CryptoPP::AAD_CHANNEL);
    filter.ChannelPut(CryptoPP::DEFAULT_CHANNEL, key_pair.secret.data.data(), 32);
    filter.ChannelMessageEnd(CryptoPP::DEFAULT_CHANNEL);
  } catch (const CryptoPP::Exception& failure) {
    return error(Code::internal, std::string("AES-GCM encryption failed: ") + failure.what());
  }
  json object = {
      {"type", file_type},
      {"version", 1},
      {"public_key", key_pair.public_key.hex()},
      {"encryption", "scrypt+aes-256-gcm"},
      {"scrypt", {{"n", parameters.cost}, {"r", parameters.block_size}, {"p", parameters.parallelism},
                  {"salt", to_hex(salt)}}},
      {"nonce", to_hex(nonce)},
      {"ciphertext", to_hex(to_bytes(ciphertext))},
  };
  return object.dump(2) + "\n";
}

std::string encode_dev_key_file(const KeyPair& key_pair, std::string_view label) {
  json object = {
      {"type", file_type},
      {"version", 1},
      {"public_key", key_pair.public_key.hex()},
      {"dev_only", true},
      {"warning", "PLAINTEXT DEV KEY: for local development chains only; never use it on a real network"},
      {"secret_key", key_pair.secret.hex()},
  };
  if (!label.empty()) object["label"] = std::string(label);
  return object.dump(2) + "\n";
}

static Result<KeyPair> decrypt(const json& object, std::string_view passphrase, const PublicKey& public_key) {
  if (!object.contains("scrypt") || !object["scrypt"].is_object())
    return error(Code::malformed, "key file lacks its 'scrypt' parameters");
  const json& kdf = object["scrypt"];
  ScryptParameters parameters;
  try {
    parameters.cost = kdf.at("n").get<uint64_t>();
    parameters.block_size = kdf.at("r").get<uint32_t>();
    parameters.parallelism = kdf.at("p").get<uint32_t>();
  } catch (const json::exception&) {
    return error(Code::malformed, "key file's scrypt parameters n, r, p must be numbers");
  }
  auto salt = hex_field(kdf, "salt");
  auto nonce = hex_field(object, "nonce");
  auto ciphertext = hex_field(object, "ciphertext");
  for (const auto* field : {&salt, &nonce, &ciphertext})
    if (!field->ok()) return field->status();
  if (nonce->size() != 12 || ciphertext->size() != 32 + tag_size_bytes)
    return error(Code::malformed, "key file's nonce or ciphertext has the wrong length");
  auto key = derive_key(passphrase, *salt, parameters);
  if (!key.ok()) return key.status();
  SecretKey secret;
  try {
    CryptoPP::GCM<CryptoPP::AES>::Decryption decryption;
    decryption.SetKeyWithIV(key->data.data(), 32, nonce->data(), nonce->size());
    CryptoPP::AuthenticatedDecryptionFilter filter(decryption, nullptr,
                                                   CryptoPP::AuthenticatedDecryptionFilter::MAC_AT_BEGIN |
                                                       CryptoPP::AuthenticatedDecryptionFilter::THROW_EXCEPTION,
                                                   tag_size_bytes);
    filter.ChannelPut(CryptoPP::DEFAULT_CHANNEL, ciphertext->data() + 32, tag_size_bytes);
    filter.ChannelPut(CryptoPP::AAD_CHANNEL, public_key.data.data(), 32);
    filter.ChannelPut(CryptoPP::DEFAULT_CHANNEL, ciphertext->data(), 32);
    filter.ChannelMessageEnd(CryptoPP::AAD_CHANNEL);
    filter.ChannelMessageEnd(CryptoPP::DEFAULT_CHANNEL);
    filter.SetRetrievalChannel(CryptoPP::DEFAULT_CHANNEL);
    if (filter.MaxRetrievable() != 32) return error(Code::unauthorized, "wrong passphrase or tampered key file");
    filter.Get(secret.begin_mut(), 32);
  } catch (const CryptoPP::Exception&) {
    return error(Code::unauthorized, "wrong passphrase or tampered key file");
  }
  return checked_pair(secret, public_key);
}

Result<KeyPair> decode_key_file(std::string_view text, std::string_view passphrase, KeyFileOptions options) {
  auto object = parse_key_json(text);
  if (!object.ok()) return object.status();
  auto public_key = hex_field(*object, "public_key");
  if (!public_key.ok()) return public_key.status();
  if (public_key->size() != 32) return error(Code::malformed, "key file's public_key must be 32 bytes");
  PublicKey expected = PublicKey::from_view(*public_key);
  if (object->value("dev_only", false)) {
    if (!options.allow_dev_plaintext)
      return error(Code::unauthorized,
                   "this is a plaintext dev key; it is accepted only on dev chains (pass the dev flag) — "
                   "create a real key with 'govchain keys new --out FILE'");
    auto secret = hex_field(*object, "secret_key");
    if (!secret.ok()) return secret.status();
    if (secret->size() != 32) return error(Code::malformed, "key file's secret_key must be 32 bytes");
    return checked_pair(SecretKey::from_view(*secret), expected);
  }
  return decrypt(*object, passphrase, expected);
}

Result<PublicKey> key_file_public_key(std::string_view text) {
  auto object = parse_key_json(text);
  if (!object.ok()) return object.status();
  auto public_key = hex_field(*object, "public_key");
  if (!public_key.ok()) return public_key.status();
  if (public_key->size() != 32) return error(Code::malformed, "key file's public_key must be 32 bytes");
  return PublicKey::from_view(*public_key);
}

bool is_dev_key_file(std::string_view text) {
  auto object = parse_key_json(text);
  return object.ok() && object->value("dev_only", false);
}

}  // namespace govchain::crypto
