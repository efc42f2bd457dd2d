#include <doctest/doctest.h>

#include "crypto/hash.h"
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
