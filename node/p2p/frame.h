// Frames and the session cipher: how messages travel once a session is up.
//
// Every frame on the wire is a 4-byte big-endian body length followed by the
// body. After the handshake the body is ChaCha20-Poly1305 ciphertext of
// (message type byte || payload) followed by the 16-byte tag; the 4 header
// bytes are the associated data, so a changed length fails authentication.
// Each direction has its own key (see handshake.h) and its own 64-bit message
// counter, which is the nonce (4 zero bytes || counter big-endian). A frame
// that fails authentication means the stream is corrupt or under attack:
// the caller must close the connection, and neither class recovers from it.
//
// Message types are one byte. 0x00-0xef belong to the embedder (consensus,
// transactions, catch-up, ...); 0xf0-0xff are reserved for the transport
// itself (keepalive ping/pong). docs/p2p.md keeps the registry.
//
// FrameSealer and FrameOpener are single-threaded values: the owner
// serialises calls (a connection seals under its send lock and opens on its
// read strand). All free functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::p2p {

using MessageType = uint8_t;
using CipherKey = FixedBytes<32>;

// Types the embedder may use: 0x00 up to and including this value.
inline constexpr MessageType message_type_embedder_max = 0xef;
// Transport-internal types (never delivered to the embedder).
inline constexpr MessageType message_type_ping = 0xf0;
inline constexpr MessageType message_type_pong = 0xf1;

inline constexpr size_t frame_header_size_bytes = 4;
inline constexpr size_t aead_tag_size_bytes = 16;
// Body bytes a message of `payload_size_bytes` needs: type byte, payload, tag.
inline constexpr size_t frame_overhead_bytes = 1 + aead_tag_size_bytes;
// Default limit on the body of one frame: a 16 MiB payload plus overhead.
inline constexpr uint32_t frame_size_bytes_max_default = 16 * 1024 * 1024 + frame_overhead_bytes;

inline bool is_embedder_message_type(MessageType type) { return type <= message_type_embedder_max; }

// A decrypted message.
struct Message {
  MessageType type = 0;
  Bytes payload;
};

// The body length announced by a frame header. Fails with malformed when the
// header is not 4 bytes or announces an empty body, and too_large when the
// body would exceed `frame_size_bytes_max`.
Result<uint32_t> decode_frame_header(ByteView header, uint32_t frame_size_bytes_max);
// The 4-byte header announcing a body of `body_size_bytes`.
Bytes encode_frame_header(uint32_t body_size_bytes);

// Encrypts outgoing messages of one direction of one session.
class FrameSealer {
 public:
  explicit FrameSealer(const CipherKey& key);
  ~FrameSealer();
  FrameSealer(FrameSealer&&) noexcept;
  FrameSealer& operator=(FrameSealer&&) noexcept;

  // The complete frame (header and sealed body) for one message. Fails with
  // too_large when the body would exceed `frame_size_bytes_max`, and with
  // resource_exhausted once 2^64 - 1 messages were sealed (the nonce would
  // repeat). A failed call does not consume a nonce.
  Result<Bytes> seal(MessageType type, ByteView payload, uint32_t frame_size_bytes_max);
  uint64_t messages_sealed() const { return counter_; }

 private:
  struct State;
  State* state_;
  uint64_t counter_ = 0;
};

// Decrypts incoming messages of one direction of one session, in order.
class FrameOpener {
 public:
  explicit FrameOpener(const CipherKey& key);
  ~FrameOpener();
  FrameOpener(FrameOpener&&) noexcept;
  FrameOpener& operator=(FrameOpener&&) noexcept;

  // Authenticates and decrypts the body that followed `header`. Fails with
  // bad_signature when authentication fails (tampered, reordered, replayed
  // or foreign frame) and malformed when the body is shorter than a tag plus
  // a type byte. After any failure the opener must not be used again.
  Result<Message> open(ByteView header, ByteView body);
  uint64_t messages_opened() const { return counter_; }

 private:
  struct State;
  State* state_;
  uint64_t counter_ = 0;
  bool failed_ = false;
};

}  // namespace govchain::p2p
