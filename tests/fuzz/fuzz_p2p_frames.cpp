// Feeds arbitrary bytes to everything in node/p2p that parses network input:
// the three handshake message decoders (which must accept only canonical
// encodings), both handshake state machines at every step where a peer's
// bytes arrive, the frame header decoder, and the frame opener reading a
// stream of frames as a connection would. Nothing may crash, and no forged
// input may complete a handshake or open as a frame. The admission helpers
// of unauthenticated connections get the input too: a remote address text
// for the address key, and a script of addresses and clock steps for the
// per-address rate limiter (its memory must stay bounded) and the log
// throttle (every event must be reported exactly once, in a line or in a
// summary).
#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>

#include "crypto/hash.h"
#include "p2p/address.h"
#include "p2p/frame.h"
#include "p2p/handshake.h"
#include "p2p/log_throttle.h"
#include "p2p/peer_limits.h"

using namespace govchain;
using namespace govchain::p2p;

namespace {

HandshakeIdentity identity(uint8_t seed) {
  crypto::SecretKey secret;
  secret.data.fill(seed);
  return HandshakeIdentity{"fuzz-chain", crypto::sha256(std::string_view("fuzz genesis")),
                           *crypto::key_pair_from_secret(secret)};
}

X25519Key fixed_secret(uint8_t seed) {
  X25519Key secret;
  secret.data.fill(seed);
  return secret;
}

Status allow_all(const PublicKey&) { return Status::ok_status(); }

template <typename Message, typename Decode, typename Encode>
void check_canonical(ByteView input, Decode decode, Encode encode) {
  Result<Message> message = decode(input);
  if (!message.ok()) return;
  Bytes encoded = encode(*message);
  assert(encoded.size() == input.size() && std::equal(encoded.begin(), encoded.end(), input.begin()));
}

void fuzz_decoders(ByteView input) {
  check_canonical<HelloMessage>(input, decode_hello, encode_hello);
  check_canonical<ReplyMessage>(input, decode_reply, encode_reply);
  check_canonical<FinishMessage>(input, decode_finish, encode_finish);
}

// The input as a hello to a responder, as a reply to an initiator, and as
// a finish after an honest hello. Only the hello may succeed: the others
// need a signature by a node key over a transcript with our fresh key.
void fuzz_handshake(ByteView input) {
  static const HandshakeIdentity alice = identity(1), bob = identity(2);
  // Prepared once and copied per input: both are plain values, and the
  // signatures they made would otherwise dominate the time per input.
  static const InitiatorHandshake waiting_for_reply = [] {
    InitiatorHandshake initiator(alice, fixed_secret(4));
    (void)initiator.hello();
    return initiator;
  }();
  static const ResponderHandshake waiting_for_finish = [] {
    InitiatorHandshake honest(alice, fixed_secret(5));
    ResponderHandshake listener(bob, fixed_secret(6));
    auto reply = listener.on_hello(honest.hello());
    assert(reply.ok());
    return listener;
  }();

  ResponderHandshake responder(bob, fixed_secret(3));
  (void)responder.on_hello(input);
  InitiatorHandshake initiator = waiting_for_reply;
  assert(!initiator.on_reply(input, allow_all).ok());
  ResponderHandshake listener = waiting_for_finish;
  assert(!listener.on_finish(input, allow_all).ok());
}

// The input as a byte stream of frames read with one session key.
void fuzz_frames(ByteView input) {
  static const CipherKey key = crypto::sha256(std::string_view("fuzz frame key"));
  FrameOpener opener(key);
  size_t position = 0;
  for (int frames = 0; frames < 64 && input.size() - position >= frame_header_size_bytes; ++frames) {
    ByteView header = input.subspan(position, frame_header_size_bytes);
    auto body_size_bytes = decode_frame_header(header, 1 << 16);
    if (!body_size_bytes.ok() || input.size() - position - frame_header_size_bytes < *body_size_bytes) return;
    ByteView body = input.subspan(position + frame_header_size_bytes, *body_size_bytes);
    if (!opener.open(header, body).ok()) return;
    position += frame_header_size_bytes + *body_size_bytes;
  }
}

// The input as a payload: sealing then opening gives it back, and a flipped
// byte (chosen by the input) never opens.
void fuzz_round_trip(ByteView input) {
  static const CipherKey key = crypto::sha256(std::string_view("fuzz round trip key"));
  if (input.empty()) return;
  FrameSealer sealer(key);
  auto frame = sealer.seal(input[0], input.subspan(1), 1 << 20);
  assert(frame.ok());
  FrameOpener opener(key);
  auto message = opener.open(ByteView(*frame).first(4), ByteView(*frame).subspan(4));
  assert(message.ok() && message->type == input[0]);
  assert(std::equal(message->payload.begin(), message->payload.end(), input.begin() + 1, input.end()));
  Bytes tampered = *frame;
  tampered[input[0] % tampered.size()] ^= 0x80;
  FrameOpener fresh(key);
  assert(!fresh.open(ByteView(tampered).first(4), ByteView(tampered).subspan(4)).ok());
}

// Each input byte is one event: its low bits pick an address (and a log
// category), its high bits advance the clock.
void fuzz_admission(ByteView input) {
  (void)inbound_address_key(std::string(input.begin(), input.begin() + std::min<size_t>(input.size(), 64)));
  AddressRateLimiter limiter(3, 4);
  LogThrottle throttle(50);
  const char* categories[] = {"refused", "evicted", "failed"};
  uint64_t now_ms = 0;
  uint64_t noted = 0;
  uint64_t reported = 0;
  for (uint8_t byte : input) {
    now_ms += (byte >> 4) * 7;
    (void)limiter.try_take("10.0.0." + std::to_string(byte & 0x0f), now_ms);
    assert(limiter.entries() <= 4);
    noted++;
    reported += throttle.note(categories[byte % 3], now_ms, "event");
    for (const auto& pending : throttle.flush(now_ms)) reported += pending.events;
  }
  for (const auto& pending : throttle.flush(now_ms + 1000)) reported += pending.events;
  assert(reported == noted);
  (void)reported;
  (void)noted;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView input(data, size);
  fuzz_decoders(input);
  fuzz_handshake(input);
  fuzz_frames(input);
  fuzz_round_trip(input);
  fuzz_admission(input);
  return 0;
}
