#include "p2p/frame.h"

#include <crypto++/chachapoly.h>

#include <cstring>
#include <limits>

namespace govchain::p2p {

namespace {

constexpr size_t nonce_size_bytes = 12;

// 4 zero bytes || counter big-endian: unique per key while the counter is.
std::array<uint8_t, nonce_size_bytes> counter_nonce(uint64_t counter) {
  std::array<uint8_t, nonce_size_bytes> nonce{};
  for (int index = 0; index < 8; ++index) nonce[4 + index] = static_cast<uint8_t>(counter >> (56 - 8 * index));
  return nonce;
}

}  // namespace

Result<uint32_t> decode_frame_header(ByteView header, uint32_t frame_size_bytes_max) {
  if (header.size() != frame_header_size_bytes)
    return error(Code::malformed, "frame header must be 4 bytes, got " + std::to_string(header.size()));
  uint32_t body_size_bytes =
      (uint32_t(header[0]) << 24) | (uint32_t(header[1]) << 16) | (uint32_t(header[2]) << 8) | uint32_t(header[3]);
  if (body_size_bytes == 0) return error(Code::malformed, "frame announces an empty body");
  if (body_size_bytes > frame_size_bytes_max)
    return error(Code::too_large, "frame of " + std::to_string(body_size_bytes) + " bytes exceeds the limit of " +
                                      std::to_string(frame_size_bytes_max) + " bytes");
  return body_size_bytes;
}

Bytes encode_frame_header(uint32_t body_size_bytes) {
  return Bytes{static_cast<uint8_t>(body_size_bytes >> 24), static_cast<uint8_t>(body_size_bytes >> 16),
               static_cast<uint8_t>(body_size_bytes >> 8), static_cast<uint8_t>(body_size_bytes)};
}

struct FrameSealer::State {
  CipherKey key;
};

FrameSealer::FrameSealer(const CipherKey& key) : state_(new State{key}) {}
FrameSealer::~FrameSealer() { delete state_; }
FrameSealer::FrameSealer(FrameSealer&& other) noexcept : state_(other.state_), counter_(other.counter_) {
  other.state_ = nullptr;
}
FrameSealer& FrameSealer::operator=(FrameSealer&& other) noexcept {
  std::swap(state_, other.state_);
  std::swap(counter_, other.counter_);
  return *this;
}

Result<Bytes> FrameSealer::seal(MessageType type, ByteView payload, uint32_t frame_size_bytes_max) {
  assert(state_ != nullptr);
  if (payload.size() > frame_size_bytes_max || payload.size() + frame_overhead_bytes > frame_size_bytes_max)
    return error(Code::too_large, "message of " + std::to_string(payload.size()) +
                                      " bytes does not fit a frame of at most " + std::to_string(frame_size_bytes_max) +
                                      " bytes");
  if (counter_ == std::numeric_limits<uint64_t>::max())
    return error(Code::resource_exhausted, "session sealed 2^64-1 messages; it must be replaced");
  const auto body_size_bytes = static_cast<uint32_t>(payload.size() + frame_overhead_bytes);
  Bytes frame = encode_frame_header(body_size_bytes);
  frame.resize(frame_header_size_bytes + body_size_bytes);
  Bytes plaintext(1 + payload.size());
  plaintext[0] = type;
  if (!payload.empty()) std::memcpy(plaintext.data() + 1, payload.data(), payload.size());
  auto nonce = counter_nonce(counter_);
  try {
    CryptoPP::ChaCha20Poly1305::Encryption cipher;
    cipher.SetKeyWithIV(state_->key.data.data(), 32, nonce.data(), nonce.size());
    uint8_t* body = frame.data() + frame_header_size_bytes;
    cipher.EncryptAndAuthenticate(body, body + plaintext.size(), aead_tag_size_bytes, nonce.data(), nonce.size(),
                                  frame.data(), frame_header_size_bytes, plaintext.data(), plaintext.size());
  } catch (const std::exception& exception) {
    return error(Code::internal, std::string("ChaCha20-Poly1305 sealing failed: ") + exception.what());
  }
  ++counter_;
  return frame;
}

struct FrameOpener::State {
  CipherKey key;
};

FrameOpener::FrameOpener(const CipherKey& key) : state_(new State{key}) {}
FrameOpener::~FrameOpener() { delete state_; }
FrameOpener::FrameOpener(FrameOpener&& other) noexcept
    : state_(other.state_), counter_(other.counter_), failed_(other.failed_) {
  other.state_ = nullptr;
}
FrameOpener& FrameOpener::operator=(FrameOpener&& other) noexcept {
  std::swap(state_, other.state_);
  std::swap(counter_, other.counter_);
  std::swap(failed_, other.failed_);
  return *this;
}

Result<Message> FrameOpener::open(ByteView header, ByteView body) {
  assert(state_ != nullptr);
  if (failed_) return error(Code::invalid, "the session already failed authentication");
  if (header.size() != frame_header_size_bytes || body.size() < frame_overhead_bytes) {
    failed_ = true;
    return error(Code::malformed, "frame body of " + std::to_string(body.size()) + " bytes is shorter than " +
                                      std::to_string(frame_overhead_bytes) + " bytes");
  }
  if (counter_ == std::numeric_limits<uint64_t>::max()) {
    failed_ = true;
    return error(Code::resource_exhausted, "session opened 2^64-1 messages; it must be replaced");
  }
  const size_t plaintext_size_bytes = body.size() - aead_tag_size_bytes;
  Bytes plaintext(plaintext_size_bytes);
  auto nonce = counter_nonce(counter_);
  bool authentic = false;
  try {
    CryptoPP::ChaCha20Poly1305::Decryption cipher;
    cipher.SetKeyWithIV(state_->key.data.data(), 32, nonce.data(), nonce.size());
    authentic =
        cipher.DecryptAndVerify(plaintext.data(), body.data() + plaintext_size_bytes, aead_tag_size_bytes, nonce.data(),
                                nonce.size(), header.data(), header.size(), body.data(), plaintext_size_bytes);
  } catch (const std::exception& exception) {
    failed_ = true;
    return error(Code::internal, std::string("ChaCha20-Poly1305 opening failed: ") + exception.what());
  }
  if (!authentic) {
    failed_ = true;
    return error(Code::bad_signature, "frame " + std::to_string(counter_) + " failed authentication");
  }
  ++counter_;
  Message message;
  message.type = plaintext[0];
  message.payload.assign(plaintext.begin() + 1, plaintext.end());
  return message;
}

}  // namespace govchain::p2p
