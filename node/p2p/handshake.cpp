#include "p2p/handshake.h"

#include <crypto++/chachapoly.h>
#include <crypto++/hkdf.h>
#include <crypto++/sha.h>
#include <crypto++/xed25519.h>

#include <cstring>

#include "codec/codec.h"
#include "crypto/hash.h"

namespace govchain::p2p {

namespace {

constexpr uint8_t kind_hello = 1;
constexpr uint8_t kind_reply = 2;
constexpr uint8_t kind_finish = 3;
constexpr std::string_view protocol_name = "govchain-p2p/1 X25519 ChaCha20-Poly1305 HKDF-SHA256 BIP340";
constexpr std::string_view transcript_tag = "govchain/p2p-transcript";
constexpr std::string_view responder_signature_tag = "govchain/p2p-responder";
constexpr std::string_view initiator_signature_tag = "govchain/p2p-initiator";
constexpr std::string_view handshake_keys_info = "govchain/p2p handshake keys";
constexpr std::string_view session_keys_info = "govchain/p2p session keys";

ByteView view_of(std::string_view text) { return ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()); }

// h' = tagged_hash(transcript_tag, h || part): the running transcript.
Hash mix(const Hash& transcript, ByteView part) {
  crypto::TaggedHasher hasher(transcript_tag);
  hasher.update(transcript.view());
  hasher.update(part);
  return hasher.finish();
}

// Both sides start from the same protocol name, chain id and genesis hash;
// the hello repeats chain id and genesis so that a mismatch has a clear name.
Hash initial_transcript(const HandshakeIdentity& identity) {
  codec::Writer writer;
  writer.text(protocol_name);
  writer.text(identity.chain_id);
  writer.fixed(identity.genesis_hash);
  return crypto::tagged_hash(transcript_tag, writer.data());
}

X25519Key fresh_x25519_secret(std::optional<X25519Key> fixed) {
  X25519Key secret = fixed ? *fixed : crypto::random_32();
  secret.data[0] &= 248;  // RFC 7748 clamping
  secret.data[31] &= 127;
  secret.data[31] |= 64;
  return secret;
}

X25519Key x25519_public(const X25519Key& secret) {
  X25519Key public_key;
  CryptoPP::x25519 agreement;
  agreement.GeneratePublicKey(CryptoPP::NullRNG(), secret.data.data(), public_key.begin_mut());
  return public_key;
}

// Refuses small-order peer keys and an all-zero result (RFC 7748 section 6.1).
Result<Hash> x25519_agree(const X25519Key& secret, const X25519Key& peer_public) {
  Hash shared;
  try {
    CryptoPP::x25519 agreement;
    if (!agreement.Agree(shared.begin_mut(), secret.data.data(), peer_public.data.data(), true))
      return error(Code::invalid, "peer ephemeral key is of small order");
  } catch (const std::exception& exception) {
    return error(Code::internal, std::string("X25519 failed: ") + exception.what());
  }
  if (shared.is_zero()) return error(Code::invalid, "X25519 shared secret is zero");
  return shared;
}

// Two 32-byte keys from HKDF-SHA256(ikm = shared secret, salt = transcript).
std::pair<CipherKey, CipherKey> derive_key_pair(const Hash& shared, const Hash& transcript, std::string_view info) {
  uint8_t output[64];
  CryptoPP::HKDF<CryptoPP::SHA256> hkdf;
  hkdf.DeriveKey(output, sizeof(output), shared.data.data(), shared.size_bytes, transcript.data.data(),
                 transcript.size_bytes, reinterpret_cast<const uint8_t*>(info.data()), info.size());
  std::pair<CipherKey, CipherKey> keys;
  std::memcpy(keys.first.begin_mut(), output, 32);
  std::memcpy(keys.second.begin_mut(), output + 32, 32);
  return keys;
}

constexpr uint8_t zero_nonce[12] = {};

// Each identity key seals exactly one message, so nonce zero is unique.
FixedBytes<sealed_identity_size_bytes> seal_identity(const CipherKey& key, const Hash& transcript,
                                                     const PublicKey& node_key, const Signature& signature) {
  uint8_t plaintext[96];
  std::memcpy(plaintext, node_key.data.data(), 32);
  std::memcpy(plaintext + 32, signature.data.data(), 64);
  FixedBytes<sealed_identity_size_bytes> sealed;
  CryptoPP::ChaCha20Poly1305::Encryption cipher;
  cipher.SetKeyWithIV(key.data.data(), 32, zero_nonce, sizeof(zero_nonce));
  cipher.EncryptAndAuthenticate(sealed.begin_mut(), sealed.begin_mut() + 96, aead_tag_size_bytes, zero_nonce,
                                sizeof(zero_nonce), transcript.data.data(), 32, plaintext, sizeof(plaintext));
  return sealed;
}

struct Identity {
  PublicKey node_key;
  Signature signature;
};

Result<Identity> open_identity(const CipherKey& key, const Hash& transcript,
                               const FixedBytes<sealed_identity_size_bytes>& sealed) {
  uint8_t plaintext[96];
  bool authentic = false;
  try {
    CryptoPP::ChaCha20Poly1305::Decryption cipher;
    cipher.SetKeyWithIV(key.data.data(), 32, zero_nonce, sizeof(zero_nonce));
    authentic = cipher.DecryptAndVerify(plaintext, sealed.data.data() + 96, aead_tag_size_bytes, zero_nonce,
                                        sizeof(zero_nonce), transcript.data.data(), 32, sealed.data.data(), 96);
  } catch (const std::exception& exception) {
    return error(Code::internal, std::string("ChaCha20-Poly1305 failed: ") + exception.what());
  }
  if (!authentic)
    return error(Code::bad_signature,
                 "sealed identity failed authentication (tampered, replayed or relayed handshake)");
  Identity identity;
  identity.node_key = PublicKey::from_view(ByteView(plaintext, 32));
  identity.signature = Signature::from_view(ByteView(plaintext + 32, 64));
  return identity;
}

// What a side signs: the transcript so far and its own node key.
Hash signing_digest(std::string_view tag, const Hash& transcript, const PublicKey& node_key) {
  crypto::TaggedHasher hasher(tag);
  hasher.update(transcript.view());
  hasher.update(node_key.view());
  return hasher.finish();
}

Status verify_identity(std::string_view tag, const Hash& transcript, const Identity& identity,
                       const PeerKeyCheck& check) {
  if (!crypto::is_valid_public_key(identity.node_key))
    return error(Code::invalid, "peer node key " + identity.node_key.hex() + " is not a valid BIP340 key");
  Hash digest = signing_digest(tag, transcript, identity.node_key);
  if (!crypto::verify(identity.node_key, digest.view(), identity.signature))
    return error(Code::bad_signature, "handshake signature of " + identity.node_key.hex() + " does not verify");
  if (check) {
    Status allowed = check(identity.node_key);
    if (!allowed.ok()) return allowed;
  }
  return Status::ok_status();
}

Status check_version(uint8_t version) {
  if (version != handshake_version)
    return error(Code::invalid, "peer speaks wire format (handshake version) " + std::to_string(version) +
                                    ", this node " + std::to_string(handshake_version) +
                                    ": upgrade the older node (docs/operations.md, \"Upgrades\")");
  return Status::ok_status();
}

Status check_chain(const HandshakeIdentity& identity, const std::string& chain_id, const Hash& genesis_hash) {
  if (chain_id != identity.chain_id)
    return error(Code::wrong_chain, "peer is on chain '" + chain_id + "', we are on '" + identity.chain_id + "'");
  if (genesis_hash != identity.genesis_hash)
    return error(Code::wrong_chain, "peer has genesis " + genesis_hash.hex() + " for chain '" + chain_id +
                                        "', we have " + identity.genesis_hash.hex());
  return Status::ok_status();
}

Status check_kind(codec::Reader& reader, uint8_t expected, std::string_view name) {
  auto kind = reader.u8();
  if (!kind.ok()) return error(Code::malformed, std::string(name) + " is empty");
  if (*kind != expected)
    return error(Code::malformed, std::string(name) + " expected, got handshake message kind " + std::to_string(*kind));
  return Status::ok_status();
}

Result<std::string> read_chain_id(codec::Reader& reader) {
  auto chain_id = reader.text(chain_id_size_bytes_max);
  if (!chain_id.ok()) return chain_id.status().with_context("chain id");
  return chain_id;
}

}  // namespace

// ---- Encoding ----------------------------------------------------------

Bytes encode_hello(const HelloMessage& message) {
  codec::Writer writer;
  writer.raw(view_of(handshake_magic));
  writer.u8(kind_hello);
  writer.u8(message.version);
  writer.text(message.chain_id);
  writer.fixed(message.genesis_hash);
  writer.fixed(message.ephemeral_key);
  return writer.take();
}

Bytes encode_reply(const ReplyMessage& message) {
  codec::Writer writer;
  writer.u8(kind_reply);
  writer.u8(message.version);
  writer.text(message.chain_id);
  writer.fixed(message.genesis_hash);
  writer.fixed(message.ephemeral_key);
  writer.fixed(message.sealed_identity);
  return writer.take();
}

Bytes encode_finish(const FinishMessage& message) {
  codec::Writer writer;
  writer.u8(kind_finish);
  writer.u8(message.version);
  writer.fixed(message.sealed_identity);
  return writer.take();
}

Result<HelloMessage> decode_hello(ByteView bytes) {
  codec::Reader reader(bytes);
  auto magic = reader.raw(handshake_magic.size());
  if (!magic.ok() || !std::equal(magic->begin(), magic->end(), handshake_magic.begin()))
    return error(Code::malformed, "not a govchain p2p hello (wrong magic)");
  GOVCHAIN_TRY(check_kind(reader, kind_hello, "hello"));
  HelloMessage message;
  GOVCHAIN_ASSIGN_OR_RETURN(message.version, reader.u8());
  GOVCHAIN_ASSIGN_OR_RETURN(message.chain_id, read_chain_id(reader));
  GOVCHAIN_ASSIGN_OR_RETURN(message.genesis_hash, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(message.ephemeral_key, reader.fixed<32>());
  GOVCHAIN_TRY(reader.finish().with_context("hello"));
  return message;
}

Result<ReplyMessage> decode_reply(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(check_kind(reader, kind_reply, "reply"));
  ReplyMessage message;
  GOVCHAIN_ASSIGN_OR_RETURN(message.version, reader.u8());
  GOVCHAIN_ASSIGN_OR_RETURN(message.chain_id, read_chain_id(reader));
  GOVCHAIN_ASSIGN_OR_RETURN(message.genesis_hash, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(message.ephemeral_key, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(message.sealed_identity, reader.fixed<sealed_identity_size_bytes>());
  GOVCHAIN_TRY(reader.finish().with_context("reply"));
  return message;
}

Result<FinishMessage> decode_finish(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(check_kind(reader, kind_finish, "finish"));
  FinishMessage message;
  GOVCHAIN_ASSIGN_OR_RETURN(message.version, reader.u8());
  GOVCHAIN_ASSIGN_OR_RETURN(message.sealed_identity, reader.fixed<sealed_identity_size_bytes>());
  GOVCHAIN_TRY(reader.finish().with_context("finish"));
  return message;
}

// ---- Initiator ---------------------------------------------------------

InitiatorHandshake::InitiatorHandshake(HandshakeIdentity identity, std::optional<X25519Key> ephemeral_secret)
    : identity_(std::move(identity)),
      ephemeral_secret_(fresh_x25519_secret(ephemeral_secret)),
      ephemeral_public_(x25519_public(ephemeral_secret_)),
      transcript_(initial_transcript(identity_)) {}

Bytes InitiatorHandshake::hello() {
  assert(step_ == Step::start);
  HelloMessage message{handshake_version, identity_.chain_id, identity_.genesis_hash, ephemeral_public_};
  Bytes bytes = encode_hello(message);
  transcript_ = mix(transcript_, bytes);
  step_ = Step::hello_sent;
  return bytes;
}

// Crypto++ reports failures by throwing; none may leave this module.
#define GOVCHAIN_CATCH_CRYPTO(statement)                                                             \
  try {                                                                                              \
    statement;                                                                                       \
  } catch (const std::exception& exception) {                                                        \
    return error(Code::internal, std::string("handshake cryptography failed: ") + exception.what()); \
  }

Result<Bytes> InitiatorHandshake::on_reply(ByteView reply, const PeerKeyCheck& check) {
  if (step_ != Step::hello_sent) return error(Code::invalid, "reply arrived out of order");
  step_ = Step::failed;
  GOVCHAIN_CATCH_CRYPTO(return process_reply(reply, check));
}

Result<Bytes> InitiatorHandshake::process_reply(ByteView reply, const PeerKeyCheck& check) {
  GOVCHAIN_ASSIGN_OR_RETURN(ReplyMessage message, decode_reply(reply));
  GOVCHAIN_TRY(check_version(message.version));
  GOVCHAIN_TRY(check_chain(identity_, message.chain_id, message.genesis_hash));
  GOVCHAIN_ASSIGN_OR_RETURN(Hash shared, x25519_agree(ephemeral_secret_, message.ephemeral_key));
  // The transcript covers the reply up to (not including) the sealed identity.
  transcript_ = mix(transcript_, reply.first(reply.size() - sealed_identity_size_bytes));
  auto [responder_identity_key, initiator_identity_key] = derive_key_pair(shared, transcript_, handshake_keys_info);
  GOVCHAIN_ASSIGN_OR_RETURN(Identity responder,
                            open_identity(responder_identity_key, transcript_, message.sealed_identity));
  GOVCHAIN_TRY(verify_identity(responder_signature_tag, transcript_, responder, check));
  transcript_ = mix(transcript_, message.sealed_identity.view());

  Hash digest = signing_digest(initiator_signature_tag, transcript_, identity_.key_pair.public_key);
  Signature signature = crypto::sign(identity_.key_pair.secret, digest.view());
  FinishMessage finish{handshake_version,
                       seal_identity(initiator_identity_key, transcript_, identity_.key_pair.public_key, signature)};
  Bytes bytes = encode_finish(finish);
  transcript_ = mix(transcript_, bytes);
  auto [initiator_to_responder, responder_to_initiator] = derive_key_pair(shared, transcript_, session_keys_info);
  secrets_ = SessionSecrets{responder.node_key, transcript_, initiator_to_responder, responder_to_initiator};
  step_ = Step::done;
  return bytes;
}

const SessionSecrets& InitiatorHandshake::secrets() const {
  assert(step_ == Step::done);
  return secrets_;
}

// ---- Responder ---------------------------------------------------------

ResponderHandshake::ResponderHandshake(HandshakeIdentity identity, std::optional<X25519Key> ephemeral_secret)
    : identity_(std::move(identity)),
      ephemeral_secret_(fresh_x25519_secret(ephemeral_secret)),
      ephemeral_public_(x25519_public(ephemeral_secret_)),
      transcript_(initial_transcript(identity_)) {}

Result<Bytes> ResponderHandshake::on_hello(ByteView hello) {
  if (step_ != Step::start) return error(Code::invalid, "hello arrived out of order");
  step_ = Step::failed;
  GOVCHAIN_CATCH_CRYPTO(return process_hello(hello));
}

Result<Bytes> ResponderHandshake::process_hello(ByteView hello) {
  GOVCHAIN_ASSIGN_OR_RETURN(HelloMessage message, decode_hello(hello));
  GOVCHAIN_TRY(check_version(message.version));
  GOVCHAIN_TRY(check_chain(identity_, message.chain_id, message.genesis_hash));
  GOVCHAIN_ASSIGN_OR_RETURN(shared_secret_, x25519_agree(ephemeral_secret_, message.ephemeral_key));
  transcript_ = mix(transcript_, hello);

  ReplyMessage reply{handshake_version, identity_.chain_id, identity_.genesis_hash, ephemeral_public_, {}};
  Bytes bytes = encode_reply(reply);
  transcript_ = mix(transcript_, ByteView(bytes).first(bytes.size() - sealed_identity_size_bytes));
  auto [responder_identity_key, initiator_identity_key] =
      derive_key_pair(shared_secret_, transcript_, handshake_keys_info);
  initiator_identity_key_ = initiator_identity_key;
  Hash digest = signing_digest(responder_signature_tag, transcript_, identity_.key_pair.public_key);
  Signature signature = crypto::sign(identity_.key_pair.secret, digest.view());
  reply.sealed_identity = seal_identity(responder_identity_key, transcript_, identity_.key_pair.public_key, signature);
  transcript_ = mix(transcript_, reply.sealed_identity.view());
  step_ = Step::reply_sent;
  return encode_reply(reply);
}

Result<SessionSecrets> ResponderHandshake::on_finish(ByteView finish, const PeerKeyCheck& check) {
  if (step_ != Step::reply_sent) return error(Code::invalid, "finish arrived out of order");
  step_ = Step::failed;
  GOVCHAIN_CATCH_CRYPTO(return process_finish(finish, check));
}

Result<SessionSecrets> ResponderHandshake::process_finish(ByteView finish, const PeerKeyCheck& check) {
  GOVCHAIN_ASSIGN_OR_RETURN(FinishMessage message, decode_finish(finish));
  GOVCHAIN_TRY(check_version(message.version));
  GOVCHAIN_ASSIGN_OR_RETURN(Identity initiator,
                            open_identity(initiator_identity_key_, transcript_, message.sealed_identity));
  GOVCHAIN_TRY(verify_identity(initiator_signature_tag, transcript_, initiator, check));
  transcript_ = mix(transcript_, finish);
  auto [initiator_to_responder, responder_to_initiator] =
      derive_key_pair(shared_secret_, transcript_, session_keys_info);
  step_ = Step::done;
  return SessionSecrets{initiator.node_key, transcript_, responder_to_initiator, initiator_to_responder};
}

}  // namespace govchain::p2p
