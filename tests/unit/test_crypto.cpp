#include <doctest/doctest.h>

#include "crypto/hash.h"
#include "crypto/pair_hash.h"
#include "crypto/key_file.h"
#include "crypto/schnorr.h"

using namespace govchain;

TEST_CASE("sha256 of empty and abc") {
  CHECK(crypto::sha256(std::string_view("")).hex() ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(crypto::sha256(std::string_view("abc")).hex() ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("tagged hash separates purposes") {
  Bytes message = to_bytes("same message");
  CHECK(crypto::tagged_hash("a", message) != crypto::tagged_hash("b", message));
  crypto::TaggedHasher hasher("a");
  hasher.update(to_bytes("same "));
  hasher.update(to_bytes("message"));
  CHECK(hasher.finish() == crypto::tagged_hash("a", message));
}

#include <fstream>
#include <random>
#include <sstream>

static std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.push_back("");
  return fields;
}

TEST_CASE("BIP340 published test vectors") {
  std::ifstream file(std::string(GOVCHAIN_TEST_DATA) + "/bip340-vectors.csv");
  REQUIRE(file.good());
  std::string line;
  std::getline(file, line);  // column names
  int vectors = 0;
  while (std::getline(file, line)) {
    auto fields = split_csv_line(line);
    REQUIRE(fields.size() >= 7);
    CAPTURE(fields[0]);
    auto public_key = PublicKey::from_hex_string(fields[2]);
    auto message = from_hex(fields[4]);
    auto signature = Signature::from_hex_string(fields[5]);
    REQUIRE(message.ok());
    REQUIRE(signature.ok());
    bool expected = fields[6] == "TRUE";
    if (!fields[1].empty()) {
      auto secret = crypto::SecretKey::from_hex_string(fields[1]);
      auto aux = FixedBytes<32>::from_hex_string(fields[3]);
      REQUIRE(secret.ok());
      auto pair = crypto::key_pair_from_secret(*secret);
      REQUIRE(pair.ok());
      CHECK(pair->public_key == *public_key);
      CHECK(crypto::sign(*secret, *message, *aux) == *signature);
    }
    bool verified = public_key.ok() && crypto::verify(*public_key, *message, *signature);
    CHECK(verified == expected);
    ++vectors;
  }
  CHECK(vectors == 15);
}

TEST_CASE("sign and verify, any message length") {
  auto pair = crypto::generate_key_pair();
  Bytes message = to_bytes("move-in confirmation");
  Signature signature = crypto::sign(pair.secret, message);
  CHECK(crypto::verify(pair.public_key, message, signature));
  message[0] ^= 1;
  CHECK_FALSE(crypto::verify(pair.public_key, message, signature));
}

TEST_CASE("encrypted key file round trip, wrong passphrase and tampering") {
  auto pair = crypto::generate_key_pair();
  crypto::ScryptParameters fast{1 << 10, 8, 1};
  auto text = crypto::encode_encrypted_key_file(pair, "correct horse", fast);
  REQUIRE(text.ok());
  CHECK(text->find(pair.secret.hex()) == std::string::npos);
  auto decoded = crypto::decode_key_file(*text, "correct horse");
  REQUIRE(decoded.ok());
  CHECK(decoded->secret == pair.secret);
  CHECK(crypto::decode_key_file(*text, "wrong").status().code() == Code::unauthorized);
  auto public_key = crypto::key_file_public_key(*text);
  REQUIRE(public_key.ok());
  CHECK(*public_key == pair.public_key);
  // Swapping the public key is caught by the authenticated encryption.
  auto other = crypto::generate_key_pair();
  std::string swapped = *text;
  swapped.replace(swapped.find(pair.public_key.hex()), 64, other.public_key.hex());
  CHECK_FALSE(crypto::decode_key_file(swapped, "correct horse").ok());
}

TEST_CASE("dev key files need the explicit dev flag") {
  auto pair = crypto::generate_key_pair();
  std::string text = crypto::encode_dev_key_file(pair, "admin");
  CHECK(crypto::is_dev_key_file(text));
  CHECK(crypto::decode_key_file(text, "").status().code() == Code::unauthorized);
  auto decoded = crypto::decode_key_file(text, "", {.allow_dev_plaintext = true});
  REQUIRE(decoded.ok());
  CHECK(decoded->public_key == pair.public_key);
}

TEST_CASE("a pair hasher returns the tagged hash of the two values") {
  std::mt19937_64 random(99);
  for (std::string_view tag : {crypto::tags::node, crypto::tags::leaf, std::string_view("govchain/test")}) {
    const crypto::PairHasher hasher(tag);
    CHECK(hasher.is_fast());
    for (int round = 0; round < 300; ++round) {
      Hash first;
      Hash second;
      for (auto& byte : first.data) byte = static_cast<uint8_t>(random());
      for (auto& byte : second.data) byte = static_cast<uint8_t>(random());
      Bytes message(first.data.begin(), first.data.end());
      message.insert(message.end(), second.data.begin(), second.data.end());
      CHECK(hasher.hash(first, second) == crypto::tagged_hash(tag, message));
    }
  }
}
