// The session handshake: mutual authentication with BIP340 node keys and key
// agreement with ephemeral X25519, bound to one chain.
//
// Three messages (docs/decisions/p2p-handshake.md explains the choice):
//
//   hello   initiator -> responder: magic, version, chain id, genesis hash,
//           initiator ephemeral X25519 key
//   reply   responder -> initiator: version, chain id, genesis hash,
//           responder ephemeral key, sealed(responder node key, signature)
//   finish  initiator -> responder: version, sealed(initiator node key, signature)
//
// Both sides keep a running transcript hash over everything sent. The shared
// secret is X25519(ephemeral, peer ephemeral); HKDF-SHA256 over it with the
// transcript as salt gives the keys that seal the identities and, at the
// end, one session key per direction. Each side signs the transcript so far
// (which contains both fresh ephemeral keys, the chain id and the genesis
// hash) together with its own node key. Hence a handshake recorded on one
// connection never completes on another, one made for another chain never
// completes here, and a flipped byte anywhere fails either the chain check,
// the AEAD or a signature. Node keys travel encrypted, so a passive observer
// learns neither identity.
//
// Both classes are single-use, single-threaded state machines without IO:
// the caller moves bytes between them and a socket. Any failure is final;
// the caller must drop the connection. Decoders are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/status.h"
#include "core/version.h"
#include "crypto/schnorr.h"
#include "p2p/frame.h"

namespace govchain::p2p {

// The handshake's version byte announces the wire format version
// (core/version.h): nodes of different wire formats refuse each other at
// once, with both versions in the message, instead of failing on the
// first message they cannot decode.
inline constexpr uint8_t handshake_version = static_cast<uint8_t>(wire_format_version);
static_assert(wire_format_version <= 255, "the handshake announces the wire format version in one byte");
// First bytes of every hello, so that a stray client is recognised at once.
inline constexpr std::string_view handshake_magic = "govchain-p2p";
// Handshake messages are small; anything longer is refused unread.
inline constexpr uint32_t handshake_message_size_bytes_max = 1024;
inline constexpr size_t chain_id_size_bytes_max = 64;
// Node key and BIP340 signature, sealed with a tag.
inline constexpr size_t sealed_identity_size_bytes = 32 + 64 + aead_tag_size_bytes;

using X25519Key = FixedBytes<32>;

// What a node proves about itself in a handshake. The key pair is the node
// key; its public half is what peers allow and dial.
struct HandshakeIdentity {
  std::string chain_id;
  Hash genesis_hash;
  crypto::KeyPair key_pair;
};

// Decides whether an authenticated peer key may hold a session: ok, or a
// Status (normally unauthorized) whose message names the reason.
using PeerKeyCheck = std::function<Status(const PublicKey& peer_key)>;

// What a completed handshake yields.
struct SessionSecrets {
  PublicKey peer_key;
  // Hash of the whole handshake; equal on both sides, unique per session.
  Hash transcript_hash;
  CipherKey send_key;
  CipherKey receive_key;
};

struct HelloMessage {
  uint8_t version = 0;
  std::string chain_id;
  Hash genesis_hash;
  X25519Key ephemeral_key;
};

struct ReplyMessage {
  uint8_t version = 0;
  std::string chain_id;
  Hash genesis_hash;
  X25519Key ephemeral_key;
  FixedBytes<sealed_identity_size_bytes> sealed_identity;
};

struct FinishMessage {
  uint8_t version = 0;
  FixedBytes<sealed_identity_size_bytes> sealed_identity;
};

// Canonical decoders: malformed on wrong magic, kind, length or trailing
// bytes. They check shape only; version and chain are judged by the
// handshake classes so that the refusal names the reason.
Result<HelloMessage> decode_hello(ByteView bytes);
Result<ReplyMessage> decode_reply(ByteView bytes);
Result<FinishMessage> decode_finish(ByteView bytes);
Bytes encode_hello(const HelloMessage& message);
Bytes encode_reply(const ReplyMessage& message);
Bytes encode_finish(const FinishMessage& message);

// The side that opened the TCP connection.
class InitiatorHandshake {
 public:
  // `ephemeral_secret` fixes the X25519 secret (tests and fuzzing only);
  // by default it comes from the operating system's randomness.
  explicit InitiatorHandshake(HandshakeIdentity identity, std::optional<X25519Key> ephemeral_secret = std::nullopt);

  // The hello message. Call once, first.
  Bytes hello();
  // Verifies the reply and returns the finish message; afterwards secrets()
  // is valid. Fails with malformed, invalid (version, weak key, order),
  // wrong_chain, bad_signature (AEAD or signature), or whatever `check`
  // returns for the responder's key.
  Result<Bytes> on_reply(ByteView reply, const PeerKeyCheck& check);
  // Precondition: on_reply() succeeded.
  const SessionSecrets& secrets() const;

 private:
  Result<Bytes> process_reply(ByteView reply, const PeerKeyCheck& check);
  enum class Step { start, hello_sent, done, failed };
  HandshakeIdentity identity_;
  X25519Key ephemeral_secret_;
  X25519Key ephemeral_public_;
  Hash transcript_;
  Step step_ = Step::start;
  SessionSecrets secrets_;
};

// The side that accepted the TCP connection.
class ResponderHandshake {
 public:
  explicit ResponderHandshake(HandshakeIdentity identity, std::optional<X25519Key> ephemeral_secret = std::nullopt);

  // Verifies the hello and returns the reply. Fails with malformed, invalid
  // (version, weak key, order) or wrong_chain.
  Result<Bytes> on_hello(ByteView hello);
  // Verifies the finish message and returns the session secrets. Fails with
  // malformed, invalid, bad_signature, or whatever `check` returns.
  Result<SessionSecrets> on_finish(ByteView finish, const PeerKeyCheck& check);

 private:
  Result<Bytes> process_hello(ByteView hello);
  Result<SessionSecrets> process_finish(ByteView finish, const PeerKeyCheck& check);
  enum class Step { start, reply_sent, done, failed };
  HandshakeIdentity identity_;
  X25519Key ephemeral_secret_;
  X25519Key ephemeral_public_;
  Hash transcript_;
  Hash shared_secret_;
  CipherKey initiator_identity_key_;
  Step step_ = Step::start;
};

}  // namespace govchain::p2p
