// ConsensusDriver: runs the Tendermint state machine (consensus::Machine)
// for one validator inside the node. It is the machine's application:
// it owns the event thread that feeds the machine, the write-ahead log file,
// the round timers and the p2p transport, and it performs the machine's
// actions against the ChainBackend (build, judge and commit blocks).
//
// Besides consensus it carries the rest of the node-to-node protocol
// (sync/protocol.h): transaction gossip (TxGossip), status announcements,
// and catch-up: it asks peers for committed blocks (sync::CatchUp), whose
// certificates the machine checks before anything is executed, and answers
// their requests (sync::answer_block_request). State sync requests are
// answered by a StateSyncServer on its own thread (state_sync_server.h),
// bounded per peer, in queue and in rate. Time comes from a Clock and
// the WAL lives in a WalFile (app/wal_file.h), so both can be replaced in
// tests.
//
// Ownership: the node owns the driver; the driver references the backend,
// which must outlive it. Thread-safety: start()/stop() from the node's main
// thread; gossip_tx(), notify_txs_waiting(), snapshot() and peers() from any
// thread. Transactions travel in batches (TxGossip), and those from peers
// are checked on the gossip worker's thread; everything else runs on the
// driver's own thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

#include "app/chain_backend.h"
#include "app/signing_guard.h"
#include "app/state_sync_server.h"
#include "app/tx_gossip.h"
#include "app/wal_file.h"
#include "consensus/machine.h"
#include "core/clock.h"
#include "core/limits.h"
#include "crypto/schnorr.h"
#include "p2p/log_throttle.h"
#include "p2p/transport.h"
#include "rpc/metrics.h"
#include "sync/catch_up.h"

namespace govchain::app {

struct ConsensusDriverConfig {
  std::string chain_id;
  Hash genesis_hash;
  crypto::KeyPair key;  // this node's key
  // Node keys of observers this node admits besides the validators and the
  // keys of approved validator additions (both read from the chain).
  std::vector<PublicKey> observers;
  // The WAL: `wal_file` when given (tests), otherwise the file at
  // `wal_path`.
  std::filesystem::path wal_path;
  std::shared_ptr<WalFile> wal_file;
  // The double-sign guard's signing state file (signing_guard.h), written
  // before the WAL is cleared after each commit; empty: not kept (tests).
  std::filesystem::path signing_state_path;
  // The data folder whose restore and state sync markers (signing_guard.h)
  // are removed after the first signing state of this key is written;
  // empty: none (tests).
  std::filesystem::path start_markers_dir;
  // Wall time for proposals' block times and for judging them, steady time
  // for timers; the machine's clock when null. Must outlive the driver.
  const Clock* clock = nullptr;
  std::string p2p_address;  // "ip:port" to listen on
  std::vector<p2p::PeerAddress> peers;
  // With no transaction waiting, the proposer waits this long after the
  // previous block before it proposes an empty one (kept below the propose
  // timeout so that the others do not give up on it).
  uint64_t empty_block_interval_ms = limits::empty_block_interval_ms;
  // In round 0 the proposer waits this long after the previous block
  // before it proposes one with transactions, so that a block gathers what
  // arrives meanwhile instead of leaving it to the next height (every
  // height costs two rounds of votes and synced writes on every node).
  // At most half of empty_block_interval_ms is used.
  uint64_t proposal_gather_ms = 100;
  // The propose timeout when this node has no session with the round's
  // proposer but sessions with a quorum of validators (timer_duration_ms).
  uint64_t unreachable_proposer_timeout_ms = 500;
  // Proposals whose time is further ahead of this node's clock are invalid.
  uint64_t block_time_future_ms_max = 10000;
  consensus::Config machine;
};

// A consistent picture for /v1/status and /metrics.
struct ConsensusSnapshot {
  uint64_t height = 0;  // the height being decided
  uint32_t round = 0;
  std::string step;
  bool catching_up = false;
  uint64_t best_peer_height = 0;
  uint64_t evidence_count = 0;
  std::map<PublicKey, uint64_t> peer_heights;  // as the peers announced them
};

class ConsensusDriver {
 public:
  ConsensusDriver(ConsensusDriverConfig config, ChainBackend& backend, std::shared_ptr<rpc::Metrics> metrics);
  ~ConsensusDriver();
  ConsensusDriver(const ConsensusDriver&) = delete;
  ConsensusDriver& operator=(const ConsensusDriver&) = delete;

  // Reads the WAL (dropping a torn tail), starts the transport and the
  // event thread, and begins the height after the backend's head.
  Status start();
  // Stops the transport and the thread; safe to call twice.
  void stop();

  // Sends a transaction accepted by the API to the peers.
  void gossip_tx(ByteView encoded_tx);
  // Wakes a proposer that waits for transactions.
  void notify_txs_waiting();

  ConsensusSnapshot snapshot() const;
  std::vector<p2p::PeerStatus> peers() const;
  uint16_t p2p_port() const;

 private:
  struct Event {
    enum class Kind { message, connected, disconnected } kind = Kind::message;
    PublicKey peer;
    uint8_t type = 0;
    Bytes payload;
  };
  struct PendingProposal {
    uint64_t height = 0;
    uint32_t round = 0;
  };

  void post(Event event);
  void run();
  void handle(Event& event, consensus::Actions& actions);
  void handle_message(const PublicKey& peer, uint8_t type, const Bytes& payload, consensus::Actions& actions);
  void on_proposal_message(const PublicKey& peer, const Bytes& payload, consensus::Actions& actions);
  void on_vote_message(const PublicKey& peer, const Bytes& payload, consensus::Actions& actions);
  void on_evidence_message(const PublicKey& peer, const Bytes& payload);
  void on_block_request(const PublicKey& peer, const Bytes& payload);
  void on_block_response(const PublicKey& peer, const Bytes& payload, consensus::Actions& actions);
  std::unique_ptr<TxGossip> make_tx_gossip();
  std::unique_ptr<StateSyncServer> make_state_sync_server();

  void perform(consensus::Actions& actions);
  void perform_one(consensus::Action& action, consensus::Actions& more);
  void propose(const PendingProposal& pending, bool may_wait, consensus::Actions& more);
  void maybe_propose(consensus::Actions& actions);
  void judge(const consensus::RequestValidity& request, consensus::Actions& more);
  void commit(consensus::Commit& commit, consensus::Actions& more);
  // Loads what the signing state file and the WAL say this node signed last.
  Status load_last_signed(const std::vector<consensus::WalRecord>& records);
  // Writes the signing state file when it is behind last_signed_; called
  // before the WAL is cleared, so that the last signed step is always
  // durable in one of the two.
  Status save_signing_state();
  void fire_due_timers(consensus::Actions& actions);
  uint64_t timer_duration_ms(const consensus::ScheduleTimeout& scheduled) const;
  void maybe_catch_up();
  void announce_status(std::optional<PublicKey> to);
  void record_evidence(const consensus::Evidence& evidence);
  // Takes the validator set for the next height and the admitted keys from
  // the backend's head state.
  Status refresh_validator_set();
  void start_next_height(uint64_t height, consensus::Actions& actions);
  void update_snapshot();
  void observe_step_duration();
  void fail_stop(const Status& status, std::string_view doing);
  void count_unknown_sender(const PublicKey& peer);

  uint64_t steady_ms() const { return clock_->steady_ms(); }
  int64_t wall_ms() const { return clock_->wall_ms(); }

  ConsensusDriverConfig config_;
  const Clock* clock_;
  ChainBackend& backend_;
  std::shared_ptr<rpc::Metrics> metrics_;
  consensus::ValidatorSet validator_set_;  // of the height being decided
  std::vector<PublicKey> admitted_keys_;   // as last given to the transport
  std::unique_ptr<consensus::Machine> machine_;
  std::unique_ptr<p2p::Transport> transport_;
  std::unique_ptr<TxGossip> tx_gossip_;            // batches out, checks in (its own thread)
  std::unique_ptr<StateSyncServer> state_server_;  // answers state sync (its own thread)
  p2p::LogThrottle unknown_sender_log_{10'000};    // gossiped transactions of unknown senders
  std::unique_ptr<ConsensusWal> wal_;
  // The latest step this node signed (WAL and signing state file), and the
  // one the signing state file holds; see save_signing_state().
  std::optional<SignedStep> last_signed_;
  std::optional<SignedStep> last_saved_;

  // Driver thread only.
  std::multimap<uint64_t, consensus::Timeout> timers_;  // by steady deadline
  std::map<Hash, block::ExecutedBlock> executed_;       // at the current height
  std::optional<PendingProposal> pending_proposal_;
  uint64_t empty_build_height_ = 0;    // height whose last build found nothing to include
  uint64_t empty_build_arrivals_ = 0;  // txs_arrived_ at that build
  // Verified-later proposals and votes for the next height, decoded once.
  std::deque<std::variant<consensus::SignedProposal, consensus::SignedVote>> future_messages_;
  sync::CatchUp catch_up_;
  std::vector<Bytes> evidence_;  // encoded, verified
  uint64_t last_commit_steady_ms_ = 0;
  uint64_t height_started_steady_ms_ = 0;
  // The step last seen by update_snapshot, for the step duration metric.
  std::tuple<uint64_t, uint32_t, consensus::Step> observed_step_{};
  uint64_t observed_step_since_ms_ = 0;

  mutable std::mutex events_mutex_;
  std::condition_variable events_ready_;
  std::deque<Event> events_;
  bool txs_waiting_ = false;
  // Counts notify_txs_waiting() calls: a proposer whose last build was
  // empty builds again once more transactions arrived.
  std::atomic<uint64_t> txs_arrived_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex snapshot_mutex_;
  ConsensusSnapshot snapshot_;
};

}  // namespace govchain::app
