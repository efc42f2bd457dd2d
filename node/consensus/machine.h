// The Tendermint consensus algorithm (Buchman, Kwon, Milosevic, "The latest
// gossip on BFT consensus", arXiv 1807.04938, Algorithm 1) as a pure state
// machine for one validator.
//
// Inputs are on_* calls; outputs are Actions appended to a vector the caller
// passes in. The machine does no IO: no threads, sockets, clock or disk. The
// application (node/app, or the simulator in tests/sim) performs the
// actions in the order given and feeds events back:
//
//   start_height(h, set)   when height h begins (after the previous Commit
//                          action, once the app knows h's validator set)
//   on_proposal(p)         a proposal arrived from the network
//   on_vote(v)             a prevote or precommit arrived from the network
//   on_timeout(t)          a ScheduleTimeout action's duration elapsed
//   on_proposal_value(..)  the app's answer to RequestProposal
//   on_validity(..)        the app's answer to RequestValidity
//   on_decided_block(..)   a block with a commit certificate for the current
//                          height arrived out of band (catch-up / sync)
//
// Actions, and what the application must do for each:
//
//   Persist          append the WAL record, sync it; only then go on with
//                    the following actions (a Broadcast of that message
//                    follows immediately).
//   BroadcastProposal / BroadcastVote
//                    send to all validators (best effort; loss is tolerated,
//                    the machine re-broadcasts on its retransmit timeout).
//                    A BroadcastVote may carry another validator's vote
//                    (the prevotes that justify a re-proposed value).
//   ScheduleTimeout  call on_timeout(timeout) after duration_ms. Stale
//                    timeouts are ignored by the machine, so the app never
//                    needs to cancel one.
//   RequestProposal  build a block for (height, round) and call
//                    on_proposal_value with its id and bytes.
//   RequestValidity  judge the block (including that the bytes hash to the
//                    block id) and call on_validity. The answer must be the
//                    same at every honest node.
//   Commit           store block + certificate durably, apply the block,
//                    then call start_height(height + 1, next_set). The WAL
//                    for heights <= height may be discarded after that.
//   ReportEvidence   store / gossip the evidence (the machine verified it).
//
// After a crash: construct a new Machine, call restore() with the WAL
// records, then start_height() for the first height not committed.
//
// Not thread-safe: one machine is driven from one thread (the app's event
// loop). It owns its Signer.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "consensus/certificate.h"
#include "consensus/messages.h"
#include "consensus/wal.h"

namespace govchain::consensus {

// Distinct votes kept per validator for one height, round and type. An
// honest validator signs one; a Byzantine one may sign many, and only this
// many are counted, which bounds memory.
inline constexpr size_t conflicting_votes_max = 4;

struct Config {
  std::string chain_id;
  // Timeout durations grow linearly with the round: base + round * delta.
  uint64_t timeout_propose_base_ms = 3000;
  uint64_t timeout_propose_delta_ms = 500;
  uint64_t timeout_prevote_base_ms = 1000;
  uint64_t timeout_prevote_delta_ms = 500;
  uint64_t timeout_precommit_base_ms = 1000;
  uint64_t timeout_precommit_delta_ms = 500;
  // How often the machine re-broadcasts its own messages of the current
  // round, so that lost messages are eventually delivered (the algorithm
  // assumes reliable gossip).
  uint64_t retransmit_interval_ms = 2000;
  // Votes and proposals for rounds beyond round + this are not stored (only
  // counted for skipping rounds), which bounds memory against a Byzantine
  // validator signing messages for many rounds.
  uint32_t rounds_ahead_stored_max = 8;
  SignatureVerifier verifier = verify_schnorr;
  // A verified message signed with this machine's own key that its
  // last-signed guard does not know (a lost WAL, or a second process with
  // the same key) joins the guard, so the machine re-sends it instead of
  // signing a conflicting one. Off only for the simulator's Byzantine twins.
  bool adopt_own_messages_from_network = true;
  // TEST ONLY: prevote for any valid proposal, ignoring lockedValue /
  // lockedRound. Breaks safety on purpose; the simulator's self-test
  // checks that it finds the violation. Never set in a node.
  bool test_only_ignore_lock = false;
};

enum class Step : uint8_t { propose = 1, prevote = 2, precommit = 3 };

struct Timeout {
  enum class Kind : uint8_t { propose = 1, prevote = 2, precommit = 3, retransmit = 4 };
  Kind kind = Kind::propose;
  uint64_t height = 0;
  uint32_t round = 0;
  bool operator==(const Timeout&) const = default;
};

// Append record to the WAL and sync it before performing later actions.
struct Persist {
  WalRecord record;
};
// Send to all validators (best effort).
struct BroadcastProposal {
  SignedProposal proposal;
};
// Send to all validators (best effort); may be another validator's prevote.
struct BroadcastVote {
  SignedVote vote;
};
// Call on_timeout(timeout) once duration_ms have passed.
struct ScheduleTimeout {
  Timeout timeout;
  uint64_t duration_ms = 0;
};
// Build a block for (height, round); answer with on_proposal_value.
struct RequestProposal {
  uint64_t height = 0;
  uint32_t round = 0;
};
// Judge `block` (and that it hashes to block_id); answer with on_validity.
struct RequestValidity {
  uint64_t height = 0;
  Hash block_id;
  Bytes block;
};
// The block is final: store it with its certificate, apply it, then call
// start_height(height + 1, next set).
struct Commit {
  uint64_t height = 0;
  Hash block_id;
  Bytes block;
  CommitCertificate certificate;
};
// Verified equivocation by a validator: keep and gossip it.
struct ReportEvidence {
  Evidence evidence;
};

using Action = std::variant<Persist, BroadcastProposal, BroadcastVote, ScheduleTimeout, RequestProposal,
                            RequestValidity, Commit, ReportEvidence>;
using Actions = std::vector<Action>;

// Why an input was not used. Rejections are normal (stale rounds, other
// heights); bad_signature and invalid ones indicate a faulty peer.
using InputStatus = Status;

class Machine {
 public:
  // `signer` holds this validator's key; the machine owns it.
  Machine(Config config, std::unique_ptr<Signer> signer);

  // Restores this validator's own signed messages from its WAL. Call before
  // the first start_height(); records of heights below the started height
  // are ignored.
  void restore(std::span<const WalRecord> records);

  // Begins `height` with its validator set. Precondition: height is above
  // every height started before; the previous height committed (or this is
  // the first start).
  void start_height(uint64_t height, ValidatorSet validator_set, Actions& out);

  // Network input. The machine checks height, membership (the proposer of
  // the round, a validator of the set) and the signature (Config::verifier)
  // itself; the status says why a message was not used.
  InputStatus on_proposal(const SignedProposal& proposal, Actions& out);
  InputStatus on_vote(const SignedVote& vote, Actions& out);
  // Ignored unless it matches the current height and round.
  void on_timeout(const Timeout& timeout, Actions& out);
  // Answers; ignored when stale (another height or round, or not asked).
  void on_proposal_value(uint64_t height, uint32_t round, const Hash& block_id, Bytes block, Actions& out);
  void on_validity(uint64_t height, const Hash& block_id, bool valid, Actions& out);
  // Commits the current height from a certificate obtained by sync. The
  // certificate is verified against this height's set; the caller must have
  // checked that `block` hashes to `block_id`.
  InputStatus on_decided_block(const Hash& block_id, Bytes block, const CommitCertificate& certificate, Actions& out);

  // Observers, for the application's status page and for tests.
  uint64_t height() const { return height_; }
  uint32_t round() const { return round_; }
  Step step() const { return step_; }
  bool is_deciding() const { return running_; }
  const std::optional<Hash>& locked_block_id() const { return locked_block_id_; }
  std::optional<uint32_t> locked_round() const { return locked_round_; }
  const std::optional<Hash>& valid_block_id() const { return valid_block_id_; }
  std::optional<uint32_t> valid_round() const { return valid_round_; }
  const PublicKey& public_key() const { return signer_->public_key(); }

 private:
  // The votes of one (round, type). Quorums are counted per block id over
  // distinct validators, as in the paper: a validator that equivocates is
  // counted for each block id it signed (up to conflicting_votes_max), so
  // that every honest node can see a quorum that some honest node saw.
  struct Tally {
    std::vector<std::vector<SignedVote>> by_validator;  // indexed like the validator set
    std::map<std::optional<Hash>, size_t> count_by_block;
    size_t count = 0;                     // distinct validators with any vote
    std::vector<bool> evidence_reported;  // by validator index
  };
  struct RoundState {
    std::optional<SignedProposal> proposal;
    Tally prevotes;
    Tally precommits;
    bool prevote_timeout_scheduled = false;
    bool precommit_timeout_scheduled = false;
    bool polka_handled = false;  // rule 36 fired for this round
  };

  RoundState& round_state(uint32_t round);
  Tally& tally(uint32_t round, VoteType type);
  size_t count_for(uint32_t round, VoteType type, const std::optional<Hash>& block_id);
  void clear_height_state();
  void restore_for_height(Actions& out);

  void start_round(uint32_t round, Actions& out);
  void evaluate(Actions& out);
  bool rule_proposal_fresh(Actions& out);
  bool rule_proposal_with_valid_round(Actions& out);
  bool rule_prevote_any(Actions& out);
  bool rule_polka_for_proposal(Actions& out);
  bool rule_polka_nil(Actions& out);
  bool rule_precommit_any(Actions& out);
  bool rule_decide(Actions& out);
  bool rule_skip_round(Actions& out);

  bool is_valid(const Hash& block_id) const;
  void request_validity(const Hash& block_id, Actions& out);
  void send_proposal(const Hash& block_id, Actions& out);
  void send_vote(VoteType type, const std::optional<Hash>& block_id, Actions& out);
  void rebroadcast_own(Actions& out);
  void broadcast_prevotes_for(uint32_t round, const Hash& block_id, Actions& out);
  void add_vote(const SignedVote& vote, size_t validator_index, Actions& out);
  void schedule(Timeout::Kind kind, uint32_t round, Actions& out);
  void decide(uint32_t round, const Hash& block_id, Actions& out);
  uint64_t timeout_duration_ms(Timeout::Kind kind, uint32_t round) const;

  Config config_;
  std::unique_ptr<Signer> signer_;
  ValidatorSet validator_set_;
  std::optional<size_t> own_index_;  // nullopt: not a validator at this height
  bool running_ = false;
  bool started_once_ = false;
  uint64_t height_ = 0;
  uint32_t round_ = 0;
  Step step_ = Step::propose;
  std::optional<Hash> locked_block_id_;
  std::optional<uint32_t> locked_round_;
  std::optional<Hash> valid_block_id_;
  std::optional<uint32_t> valid_round_;
  std::optional<uint32_t> awaiting_proposal_value_round_;

  std::map<uint32_t, RoundState> rounds_;
  std::map<Hash, Bytes> blocks_;   // block bytes seen in proposals at this height
  std::map<Hash, bool> validity_;  // app's answers at this height
  std::set<Hash> validity_requested_;
  std::vector<uint32_t> highest_round_by_validator_;  // for skipping rounds; 0 = none above

  // The "last signed" guard: every message this validator signed (or
  // restored from its WAL) at heights >= height_. A second signature for
  // the same slot reuses the first message instead.
  std::map<std::tuple<uint64_t, uint32_t, VoteType>, SignedVote> own_votes_;
  std::map<std::pair<uint64_t, uint32_t>, SignedProposal> own_proposals_;
  std::map<Hash, Bytes> restored_blocks_;
  std::vector<SignedVote> restored_prevotes_;  // justifications of restored locks
};

}  // namespace govchain::consensus
