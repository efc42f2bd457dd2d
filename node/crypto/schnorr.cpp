#include "crypto/schnorr.h"

#include <crypto++/osrng.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstdlib>

namespace govchain::crypto {

static const secp256k1_context* context() {
  static secp256k1_context* shared = [] {
    secp256k1_context* created = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
    FixedBytes<32> seed = random_32();
    if (!secp256k1_context_randomize(created, seed.data.data())) std::abort();
    return created;
  }();
  return shared;
}

FixedBytes<32> random_32() {
  FixedBytes<32> out;
  CryptoPP::OS_GenerateRandomBlock(false, out.begin_mut(), 32);
  return out;
}

Bytes random_bytes(size_t size) {
  Bytes out(size);
  if (size) CryptoPP::OS_GenerateRandomBlock(false, out.data(), size);
  return out;
}

Result<KeyPair> key_pair_from_secret(const SecretKey& secret) {
  secp256k1_keypair keypair;
  if (!secp256k1_keypair_create(context(), &keypair, secret.data.data()))
    return error(Code::invalid_argument, "secret key is zero or not below the curve order");
  secp256k1_xonly_pubkey xonly;
  if (!secp256k1_keypair_xonly_pub(context(), &xonly, nullptr, &keypair))
    return error(Code::internal, "cannot derive the x-only public key");
  KeyPair result;
  result.secret = secret;
  secp256k1_xonly_pubkey_serialize(context(), result.public_key.begin_mut(), &xonly);
  return result;
}

KeyPair generate_key_pair() {
  for (;;) {
    auto pair = key_pair_from_secret(random_32());
    if (pair.ok()) return *pair;
  }
}

Signature sign(const SecretKey& secret, ByteView message, std::optional<FixedBytes<32>> aux_random) {
  secp256k1_keypair keypair;
  Signature signature;
  if (!secp256k1_keypair_create(context(), &keypair, secret.data.data())) return signature;
  FixedBytes<32> aux = aux_random ? *aux_random : random_32();
  secp256k1_schnorrsig_extraparams params = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
  params.ndata = aux.data.data();
  if (!secp256k1_schnorrsig_sign_custom(context(), signature.begin_mut(), message.data(), message.size(), &keypair,
                                        &params))
    return Signature{};
  return signature;
}

bool verify(const PublicKey& public_key, ByteView message, const Signature& signature) {
  secp256k1_xonly_pubkey xonly;
  if (!secp256k1_xonly_pubkey_parse(context(), &xonly, public_key.data.data())) return false;
  return secp256k1_schnorrsig_verify(context(), signature.data.data(), message.data(), message.size(), &xonly) == 1;
}

bool is_valid_public_key(const PublicKey& public_key) {
  secp256k1_xonly_pubkey xonly;
  return secp256k1_xonly_pubkey_parse(context(), &xonly, public_key.data.data()) == 1;
}

}  // namespace govchain::crypto
