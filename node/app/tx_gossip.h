// TxGossip: transaction gossip between the node and its peers, in batches.
//
// Outbound, add() collects the encoded transactions this node accepted from
// its API into a batch (sync::TxBatch). A batch is sent as one p2p message
// (sync::message_type::txs) when it reaches `txs_per_message_max`
// transactions or `message_size_bytes_max` bytes, and otherwise
// `flush_delay_ms` after its first transaction, so one message carries
// what arrives within a few milliseconds instead of one message per
// transaction.
//
// Inbound, on_message() only queues the peer's message (at most
// `inbound_messages_max`; beyond that it is dropped and counted, as gossip
// is best effort: a block carries its transactions anyway). The worker
// thread decodes it and hands each transaction to `accept` (which checks
// its signature and admits it to the mempool), so that the p2p threads,
// which also deliver proposals and votes, never wait for signature checks.
// Accepted transactions are relayed to the other peers once when
// `relay` is set. A message that
// does not decode, or a transaction in it that does not decode or whose
// signature is wrong, penalises the peer.
//
// Ownership: the driver owns it; the callbacks must stay valid until stop().
// Thread-safety: add(), on_message(), dropped_messages() and wait_idle()
// from any thread; start() and stop() from the owner's thread. Callbacks run on the
// worker thread, and `send` also on add()'s caller when a batch is full.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "core/bytes.h"
#include "core/clock.h"
#include "core/status.h"
#include "sync/protocol.h"

namespace govchain::app {

struct TxGossipConfig {
  uint32_t txs_per_message_max = 256;          // at most sync::txs_per_batch_max
  size_t message_size_bytes_max = 512 * 1024;  // at most sync::tx_batch_size_bytes_max
  uint64_t flush_delay_ms = 5;
  size_t inbound_messages_max = 1024;
  // Pass accepted transactions from one peer on to the others. Off where
  // every node is connected to every other one (validators are fully
  // meshed): each node then hears every transaction from its origin, and
  // one that misses a node reaches it in the proposal that includes it.
  bool relay = false;
  // Times the flush delay; the machine's steady clock when null. Must
  // outlive the gossip.
  const Clock* clock = nullptr;
};

struct TxGossipCallbacks {
  // Sends a batch (sync::encode_tx_batch) to every peer except `except`.
  std::function<void(ByteView payload, const std::optional<PublicKey>& except)> send;
  // Checks and admits one encoded transaction; Code::malformed and
  // Code::bad_signature penalise the sending peer, other errors do not.
  std::function<Status(ByteView encoded_tx)> accept;
  std::function<void(const PublicKey& peer, const std::string& reason)> penalize;
  // Told of each transaction `accept` refused because the chain does not
  // know its sender (Code::unknown_account): it is neither kept nor relayed.
  // Optional.
  std::function<void(const PublicKey& peer, const Status& refusal)> refused_unknown;
};

class TxGossip {
 public:
  TxGossip(TxGossipConfig config, TxGossipCallbacks callbacks);
  ~TxGossip();
  TxGossip(const TxGossip&) = delete;
  TxGossip& operator=(const TxGossip&) = delete;

  void start();
  // Sends what is collected, then stops the worker; queued inbound messages
  // are dropped.
  void stop();

  // Queues a transaction that this node accepted for sending.
  void add(ByteView encoded_tx);
  // A p2p message of type sync::message_type::txs (a batch) or
  // sync::message_type::tx (one transaction, from older peers).
  void on_message(const PublicKey& peer, uint8_t type, Bytes payload);
  uint64_t dropped_messages() const;
  // Returns once every inbound message queued before the call is handled
  // (after start()); for tests and orderly shutdown.
  void wait_idle();

 private:
  struct Inbound {
    PublicKey peer;
    uint8_t type = 0;
    Bytes payload;
  };
  void run();
  void flush_locked();  // sends the outbox (while holding mutex_, which keeps batches in order)
  void handle(const Inbound& message);
  std::optional<sync::TxBatch> decode(const Inbound& message);

  const TxGossipConfig config_;
  const Clock& clock_;
  const TxGossipCallbacks callbacks_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  sync::TxBatch outbox_;
  size_t outbox_size_bytes_ = sync::tx_batch_header_size_bytes;
  uint64_t outbox_started_ms_ = 0;  // steady clock, when its first tx came
  std::deque<Inbound> inbound_;
  uint64_t dropped_messages_ = 0;
  bool handling_ = false;  // the worker is handling an inbound message
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace govchain::app
