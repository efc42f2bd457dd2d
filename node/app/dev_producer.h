// DevBlockProducer: block production of a single-validator (dev) chain. The
// node is then the whole validator set: it makes a block as soon as
// transactions wait — at most one per block interval (the genesis
// parameter block_interval_ms) — signs its certificate itself (its own
// precommit), and sleeps while idle. With more validators the consensus
// driver does this instead (app/consensus_driver.h).
//
// The block's time is the wall clock, but always after the head's, so that
// times grow even if the clock steps back.
//
// Ownership: the node owns it; the backend, the signer and the clock must
// outlive it. Thread-safety: wake() from any thread; produce_once() from
// one thread at a time (the producer's own once start() ran);
// start()/stop() from the owner's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "app/chain_backend.h"
#include "consensus/messages.h"
#include "core/clock.h"

namespace govchain::app {

class DevBlockProducer {
 public:
  DevBlockProducer(ChainBackend& backend, std::string chain_id, const consensus::Signer& signer,
                   uint64_t block_interval_ms, const Clock& clock);
  ~DevBlockProducer();
  DevBlockProducer(const DevBlockProducer&) = delete;
  DevBlockProducer& operator=(const DevBlockProducer&) = delete;

  void start();
  void stop();
  // Transactions arrived: produce a block soon.
  void wake();
  // Makes and commits one block from the waiting transactions now (none
  // when nothing waits or nothing can run).
  Status produce_once();

 private:
  void run();

  // The certificate of `head`: the one this producer signed last when it is
  // for that head (with background writes the head is not durable yet, so
  // the store cannot serve it), else the stored one.
  Result<chain::CommitCertificate> certificate_of(const chain::ChainHead& head) const;

  ChainBackend& backend_;
  const std::string chain_id_;
  const consensus::Signer& signer_;
  const uint64_t block_interval_ms_;
  const Clock& clock_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool work_waiting_ = false;
  std::atomic<bool> stopping_{false};
  uint64_t last_block_steady_ms_ = 0;
  std::optional<chain::CommitCertificate> last_signed_;  // produce_once()'s thread only
  std::thread thread_;
};

}  // namespace govchain::app
