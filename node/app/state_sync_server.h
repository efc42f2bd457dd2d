// State sync, the serving side: answers peers' snapshot requests and state
// requests (sync/protocol.h) from the node's store, on a thread of its own,
// so that a syncing node — or an attacker pretending to sync — never
// delays consensus: requests wait in a bounded queue, each peer may have
// only a few requests waiting (an honest syncing node has one out at a
// time; more from one peer are dropped), a full queue drops new ones (the
// syncing node asks another peer when its request times out), the thread
// answers at most requests_per_second_max requests per second, all peers
// together, and one response is at most sync::state_response_size_bytes_max
// bytes. So serving costs at most one core's share of that rate, whatever
// the peers send.
//
// No snapshot is held open while serving: the tree's records are
// content-addressed and immutable, and every version stays (no pruner yet,
// docs/state.md), so a record asked for by hash is the same whenever it is
// read. A record the store lacks is answered as absent.
//
// Ownership: the node's consensus driver owns the server; the backend and
// the send function must outlive it. Thread-safety: on_request() from any
// thread (the transport's); start()/stop() from the owner's.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "app/chain_backend.h"

namespace govchain::app {

struct StateSyncServerConfig {
  // Requests waiting to be answered, all peers together, at most.
  size_t queue_max = 32;
  // Requests of one peer waiting at most.
  size_t pending_per_peer_max = 2;
  // Answers per second at most, all peers together (the thread waits
  // between answers to keep to it).
  uint32_t requests_per_second_max = 500;
  // Bytes of answers per second at most, all peers together (an answer of
  // large records waits longer before the next).
  uint64_t size_bytes_per_second_max = 16ull * 1024 * 1024;
};

struct StateSyncServerStats {
  uint64_t answered = 0;
  uint64_t dropped_peer = 0;   // the peer had pending_per_peer_max waiting
  uint64_t dropped_queue = 0;  // queue full
  uint64_t refused = 0;        // did not decode
};

class StateSyncServer {
 public:
  using Send = std::function<void(const PublicKey& peer, uint8_t type, Bytes payload)>;
  using Penalize = std::function<void(const PublicKey& peer, const std::string& reason)>;

  StateSyncServer(StateSyncServerConfig config, const ChainBackend& backend, Send send, Penalize penalize);
  ~StateSyncServer();
  StateSyncServer(const StateSyncServer&) = delete;
  StateSyncServer& operator=(const StateSyncServer&) = delete;

  void start();
  void stop();
  // A snapshot_request or state_request from `peer`: queued, or dropped
  // when over the peer's or the queue's bound.
  void on_request(const PublicKey& peer, uint8_t type, Bytes payload);
  StateSyncServerStats stats() const;

  // The answers, also used directly by tests. A request that does not
  // decode is Code::malformed/invalid.
  static Result<Bytes> answer_snapshot_request(const ChainBackend& backend, ByteView payload);
  static Result<Bytes> answer_state_request(const ChainBackend& backend, ByteView payload);

 private:
  struct Request {
    PublicKey peer;
    uint8_t type = 0;
    Bytes payload;
  };
  void run();

  StateSyncServerConfig config_;
  const ChainBackend& backend_;
  Send send_;
  Penalize penalize_;
  mutable std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Request> queue_;
  std::map<PublicKey, size_t> pending_;  // per peer, while queued
  StateSyncServerStats stats_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace govchain::app
