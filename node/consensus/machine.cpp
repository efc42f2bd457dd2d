#include "consensus/machine.h"

#include <algorithm>

namespace govchain::consensus {

namespace {
// Each rule firing advances the step or round or sets a one-time flag, so
// evaluation ends quickly; the bound turns a logic error into a crash.
constexpr size_t evaluation_iterations_max = 4096;
}  // namespace

Machine::Machine(Config config, std::unique_ptr<Signer> signer)
    : config_(std::move(config)), signer_(std::move(signer)) {
  assert(signer_ != nullptr);
  assert(config_.chain_id.size() <= chain_id_size_bytes_max);
  assert(config_.verifier != nullptr);
}

void Machine::restore(std::span<const WalRecord> records) {
  assert(!started_once_);
  for (const WalRecord& record : records) {
    if (record.kind == WalRecord::Kind::proposal) {
      const Proposal& proposal = record.proposal->proposal;
      if (proposal.proposer != public_key()) continue;
      own_proposals_.emplace(std::pair{proposal.height, proposal.round}, *record.proposal);
    } else {
      const Vote& vote = record.vote->vote;
      if (vote.validator != public_key()) continue;
      own_votes_.emplace(std::tuple{vote.height, vote.round, vote.type}, *record.vote);
      if (!record.block.empty()) restored_blocks_.emplace(*vote.block_id, record.block);
      restored_prevotes_.insert(restored_prevotes_.end(), record.prevotes.begin(), record.prevotes.end());
    }
  }
}

void Machine::start_height(uint64_t height, ValidatorSet validator_set, Actions& out) {
  assert(!running_);
  assert(!started_once_ || height > height_);
  assert(validator_set.size() > 0);
  height_ = height;
  validator_set_ = std::move(validator_set);
  own_index_ = validator_set_.index_of(public_key());
  running_ = true;
  started_once_ = true;
  clear_height_state();
  std::erase_if(own_votes_, [&](const auto& entry) { return std::get<0>(entry.first) < height_; });
  std::erase_if(own_proposals_, [&](const auto& entry) { return entry.first.first < height_; });
  restore_for_height(out);
  evaluate(out);
}

void Machine::clear_height_state() {
  round_ = 0;
  step_ = Step::propose;
  locked_block_id_.reset();
  locked_round_.reset();
  valid_block_id_.reset();
  valid_round_.reset();
  awaiting_proposal_value_round_.reset();
  rounds_.clear();
  blocks_.clear();
  validity_.clear();
  validity_requested_.clear();
  highest_round_by_validator_.assign(validator_set_.size(), 0);
}

// Rebuilds lock, round and step from this validator's own messages at this
// height (from the WAL after a restart; none on a fresh start), then enters
// the highest round it signed in.
void Machine::restore_for_height(Actions& out) {
  uint32_t start = 0;
  for (const auto& [key, proposal] : own_proposals_) {
    if (key.first != height_) continue;
    start = std::max(start, key.second);
    blocks_.emplace(proposal.proposal.block_id, proposal.block);
    validity_[proposal.proposal.block_id] = true;  // the app built it
  }
  for (const auto& [key, vote] : own_votes_) {
    if (std::get<0>(key) != height_) continue;
    start = std::max(start, std::get<1>(key));
    const Vote& fields = vote.vote;
    if (fields.type != VoteType::precommit || !fields.block_id) continue;
    auto block = restored_blocks_.find(*fields.block_id);
    if (block == restored_blocks_.end()) continue;
    // A precommit on a block is exactly when the algorithm locks.
    if (!locked_round_ || *locked_round_ < fields.round) {
      locked_block_id_ = fields.block_id;
      locked_round_ = fields.round;
      valid_block_id_ = fields.block_id;
      valid_round_ = fields.round;
      blocks_[*fields.block_id] = block->second;
      validity_[*fields.block_id] = true;  // it was judged valid before the precommit
    }
  }
  restored_blocks_.clear();
  start_round(start, out);
  for (const SignedVote& prevote : restored_prevotes_) {
    auto index = validator_set_.index_of(prevote.vote.validator);
    if (prevote.vote.height == height_ && index) add_vote(prevote, *index, out);
  }
  restored_prevotes_.clear();
  for (const auto& [key, vote] : own_votes_) {
    if (std::get<0>(key) != height_ || !own_index_) continue;
    add_vote(vote, *own_index_, out);
    if (std::get<1>(key) != start) continue;
    Step signed_step = std::get<2>(key) == VoteType::prevote ? Step::prevote : Step::precommit;
    step_ = std::max(step_, signed_step);
  }
  if (step_ != Step::propose) rebroadcast_own(out);
}

Machine::RoundState& Machine::round_state(uint32_t round) {
  auto found = rounds_.find(round);
  if (found != rounds_.end()) return found->second;
  RoundState& state = rounds_[round];
  for (Tally* votes : {&state.prevotes, &state.precommits}) {
    votes->by_validator.resize(validator_set_.size());
    votes->evidence_reported.resize(validator_set_.size());
  }
  return state;
}

Machine::Tally& Machine::tally(uint32_t round, VoteType type) {
  RoundState& state = round_state(round);
  return type == VoteType::prevote ? state.prevotes : state.precommits;
}

size_t Machine::count_for(uint32_t round, VoteType type, const std::optional<Hash>& block_id) {
  const Tally& votes = tally(round, type);
  auto found = votes.count_by_block.find(block_id);
  return found == votes.count_by_block.end() ? 0 : found->second;
}

void Machine::start_round(uint32_t round, Actions& out) {
  assert(round <= round_max);
  assert(rounds_.empty() || round >= round_);
  round_ = round;
  step_ = Step::propose;
  awaiting_proposal_value_round_.reset();
  round_state(round);
  if (own_index_ && validator_set_.proposer(height_, round) == public_key()) {
    if (own_proposals_.contains({height_, round})) {
      send_proposal(own_proposals_.at({height_, round}).proposal.block_id, out);
    } else if (valid_block_id_) {
      send_proposal(*valid_block_id_, out);
    } else {
      awaiting_proposal_value_round_ = round;
      out.push_back(RequestProposal{height_, round});
    }
  }
  // The paper schedules this only at non-proposers; scheduling it at the
  // proposer as well bounds the wait for a slow application. Timeouts are
  // always safe.
  schedule(Timeout::Kind::propose, round, out);
  schedule(Timeout::Kind::retransmit, round, out);
}

InputStatus Machine::on_proposal(const SignedProposal& signed_proposal, Actions& out) {
  const Proposal& proposal = signed_proposal.proposal;
  if (!running_) return error(Code::unavailable, "no height is being decided");
  if (proposal.height != height_)
    return error(Code::invalid_argument,
                 "proposal for height " + std::to_string(proposal.height) + ", deciding " + std::to_string(height_));
  // The decoder refuses these already; a caller may hand in a value built in memory.
  if (proposal.round > round_max || (proposal.valid_round && *proposal.valid_round >= proposal.round))
    return error(Code::malformed, "proposal round or valid_round out of range");
  if (proposal.proposer != validator_set_.proposer(height_, proposal.round))
    return error(Code::unauthorized, "proposal signer is not the proposer of round " + std::to_string(proposal.round));
  if (proposal.round <= round_ + config_.rounds_ahead_stored_max) {
    const auto& stored = round_state(proposal.round).proposal;
    if (stored == signed_proposal) return Status();  // a duplicate, verified before
    if (stored) return error(Code::invalid, "a different proposal for this round arrived first");
  }
  GOVCHAIN_TRY(verify_proposal_signature(config_.chain_id, signed_proposal, config_.verifier));
  if (config_.adopt_own_messages_from_network && proposal.proposer == public_key()) {
    if (own_proposals_.emplace(std::pair{proposal.height, proposal.round}, signed_proposal).second)
      out.push_back(Persist{wal_record_for_proposal(signed_proposal)});
  }
  size_t proposer_index = *validator_set_.index_of(proposal.proposer);
  uint32_t& highest = highest_round_by_validator_[proposer_index];
  highest = std::max(highest, proposal.round);
  if (proposal.round <= round_ + config_.rounds_ahead_stored_max) {
    round_state(proposal.round).proposal = signed_proposal;
    blocks_.emplace(proposal.block_id, signed_proposal.block);
    request_validity(proposal.block_id, out);
  }
  evaluate(out);
  return Status();
}

InputStatus Machine::on_vote(const SignedVote& signed_vote, Actions& out) {
  const Vote& vote = signed_vote.vote;
  if (!running_) return error(Code::unavailable, "no height is being decided");
  if (vote.height != height_)
    return error(Code::invalid_argument, std::string(vote_type_name(vote.type)) + " for height " +
                                             std::to_string(vote.height) + ", deciding " + std::to_string(height_));
  if (vote.round > round_max) return error(Code::malformed, "vote round out of range");
  auto index = validator_set_.index_of(vote.validator);
  if (!index) return error(Code::unauthorized, "vote signer " + vote.validator.hex() + " is not a validator");
  bool stored = vote.round <= round_ + config_.rounds_ahead_stored_max;
  if (stored) {
    const auto& known = tally(vote.round, vote.type).by_validator[*index];
    if (std::find(known.begin(), known.end(), signed_vote) != known.end()) return Status();  // verified before
  }
  GOVCHAIN_TRY(verify_vote_signature(config_.chain_id, signed_vote, config_.verifier));
  uint32_t& highest = highest_round_by_validator_[*index];
  highest = std::max(highest, vote.round);
  if (config_.adopt_own_messages_from_network && vote.validator == public_key()) {
    // Keeps a known vote; a new one is written to the WAL like a signed one.
    if (own_votes_.emplace(std::tuple{vote.height, vote.round, vote.type}, signed_vote).second)
      out.push_back(Persist{wal_record_for_vote(signed_vote)});
  }
  if (stored) add_vote(signed_vote, *index, out);
  evaluate(out);
  return Status();
}

void Machine::on_timeout(const Timeout& timeout, Actions& out) {
  if (!running_ || timeout.height != height_ || timeout.round != round_) return;
  switch (timeout.kind) {
    case Timeout::Kind::propose:
      if (step_ != Step::propose) return;
      send_vote(VoteType::prevote, std::nullopt, out);
      step_ = Step::prevote;
      break;
    case Timeout::Kind::prevote:
      if (step_ != Step::prevote) return;
      send_vote(VoteType::precommit, std::nullopt, out);
      step_ = Step::precommit;
      break;
    case Timeout::Kind::precommit:
      if (round_ >= round_max) return;
      start_round(round_ + 1, out);
      break;
    case Timeout::Kind::retransmit:
      rebroadcast_own(out);
      schedule(Timeout::Kind::retransmit, round_, out);
      return;
  }
  evaluate(out);
}

void Machine::on_proposal_value(uint64_t height, uint32_t round, const Hash& block_id, Bytes block, Actions& out) {
  if (!running_ || height != height_ || round != round_ || step_ != Step::propose) return;
  if (awaiting_proposal_value_round_ != round) return;
  awaiting_proposal_value_round_.reset();
  blocks_.emplace(block_id, std::move(block));
  validity_[block_id] = true;  // the application built it
  send_proposal(block_id, out);
  evaluate(out);
}

void Machine::on_validity(uint64_t height, const Hash& block_id, bool valid, Actions& out) {
  if (!running_ || height != height_ || !validity_requested_.contains(block_id)) return;
  if (validity_.contains(block_id)) return;
  validity_[block_id] = valid;
  evaluate(out);
}

InputStatus Machine::on_decided_block(const Hash& block_id, Bytes block, const CommitCertificate& certificate,
                                      Actions& out) {
  if (!running_) return error(Code::unavailable, "no height is being decided");
  GOVCHAIN_TRY(
      verify_commit_certificate(certificate, config_.chain_id, height_, block_id, validator_set_, config_.verifier));
  out.push_back(Commit{height_, block_id, std::move(block), certificate});
  running_ = false;
  return Status();
}

void Machine::evaluate(Actions& out) {
  for (size_t iteration = 0; running_; ++iteration) {
    assert(iteration < evaluation_iterations_max);
    bool fired = rule_decide(out) || rule_skip_round(out) || rule_proposal_fresh(out) ||
                 rule_proposal_with_valid_round(out) || rule_polka_for_proposal(out) || rule_polka_nil(out) ||
                 rule_prevote_any(out) || rule_precommit_any(out);
    if (!fired) return;
  }
}

// Algorithm 1, line 22: a fresh proposal (validRound -1) in the propose step.
bool Machine::rule_proposal_fresh(Actions& out) {
  if (step_ != Step::propose) return false;
  const auto& proposal = round_state(round_).proposal;
  if (!proposal || proposal->proposal.valid_round) return false;
  const Hash& block_id = proposal->proposal.block_id;
  if (!validity_.contains(block_id)) return false;  // waiting for the application
  bool lock_allows = config_.test_only_ignore_lock || !locked_round_ || locked_block_id_ == block_id;
  send_vote(VoteType::prevote, is_valid(block_id) && lock_allows ? std::optional(block_id) : std::nullopt, out);
  step_ = Step::prevote;
  return true;
}

// Line 28: a proposal that re-proposes a value with a quorum of prevotes in
// an earlier round vr; it may unlock a validator locked in a round <= vr.
bool Machine::rule_proposal_with_valid_round(Actions& out) {
  if (step_ != Step::propose) return false;
  const auto& proposal = round_state(round_).proposal;
  if (!proposal || !proposal->proposal.valid_round) return false;
  uint32_t valid_round = *proposal->proposal.valid_round;
  const Hash& block_id = proposal->proposal.block_id;
  assert(valid_round < round_);
  if (count_for(valid_round, VoteType::prevote, block_id) < validator_set_.quorum()) return false;
  if (!validity_.contains(block_id)) return false;
  bool lock_allows =
      config_.test_only_ignore_lock || !locked_round_ || *locked_round_ <= valid_round || locked_block_id_ == block_id;
  send_vote(VoteType::prevote, is_valid(block_id) && lock_allows ? std::optional(block_id) : std::nullopt, out);
  step_ = Step::prevote;
  return true;
}

// Line 34: any quorum of prevotes starts the prevote timeout, once a round.
bool Machine::rule_prevote_any(Actions& out) {
  RoundState& state = round_state(round_);
  if (step_ != Step::prevote || state.prevote_timeout_scheduled) return false;
  if (state.prevotes.count < validator_set_.quorum()) return false;
  state.prevote_timeout_scheduled = true;
  schedule(Timeout::Kind::prevote, round_, out);
  return true;
}

// Line 36: a quorum of prevotes for the valid proposal of this round locks
// (if still in the prevote step) and always updates the valid value.
bool Machine::rule_polka_for_proposal(Actions& out) {
  RoundState& state = round_state(round_);
  if (step_ == Step::propose || state.polka_handled || !state.proposal) return false;
  const Hash block_id = state.proposal->proposal.block_id;
  if (!is_valid(block_id)) return false;
  if (count_for(round_, VoteType::prevote, block_id) < validator_set_.quorum()) return false;
  state.polka_handled = true;
  if (step_ == Step::prevote) {
    locked_block_id_ = block_id;
    locked_round_ = round_;
    send_vote(VoteType::precommit, block_id, out);
    step_ = Step::precommit;
  }
  valid_block_id_ = block_id;
  valid_round_ = round_;
  return true;
}

// Line 44: a quorum of nil prevotes.
bool Machine::rule_polka_nil(Actions& out) {
  if (step_ != Step::prevote) return false;
  if (count_for(round_, VoteType::prevote, std::nullopt) < validator_set_.quorum()) return false;
  send_vote(VoteType::precommit, std::nullopt, out);
  step_ = Step::precommit;
  return true;
}

// Line 47: any quorum of precommits starts the precommit timeout, once a round.
bool Machine::rule_precommit_any(Actions& out) {
  RoundState& state = round_state(round_);
  if (state.precommit_timeout_scheduled || state.precommits.count < validator_set_.quorum()) return false;
  state.precommit_timeout_scheduled = true;
  schedule(Timeout::Kind::precommit, round_, out);
  return true;
}

// Line 49: a quorum of precommits for a valid block in any round decides.
bool Machine::rule_decide(Actions& out) {
  for (const auto& [round, state] : rounds_) {
    if (state.precommits.count < validator_set_.quorum()) continue;
    for (const auto& [block_id, count] : state.precommits.count_by_block) {
      if (!block_id || count < validator_set_.quorum()) continue;
      if (!blocks_.contains(*block_id)) continue;  // the proposal has not arrived yet
      request_validity(*block_id, out);
      if (!is_valid(*block_id)) continue;
      decide(round, *block_id, out);
      return true;
    }
  }
  return false;
}

// Line 55: f+1 validators are in higher rounds, so at least one honest one
// is; jump to the highest round that f+1 of them have reached.
bool Machine::rule_skip_round(Actions& out) {
  std::vector<uint32_t> higher;
  for (uint32_t round : highest_round_by_validator_)
    if (round > round_) higher.push_back(round);
  size_t needed = validator_set_.faults_tolerated() + 1;
  if (higher.size() < needed) return false;
  std::sort(higher.begin(), higher.end(), std::greater<>());
  start_round(higher[needed - 1], out);
  return true;
}

bool Machine::is_valid(const Hash& block_id) const {
  auto found = validity_.find(block_id);
  return found != validity_.end() && found->second;
}

void Machine::request_validity(const Hash& block_id, Actions& out) {
  if (validity_.contains(block_id) || validity_requested_.contains(block_id)) return;
  validity_requested_.insert(block_id);
  out.push_back(RequestValidity{height_, block_id, blocks_.at(block_id)});
}

// Signs (or, under the last-signed guard, reuses) this round's proposal.
void Machine::send_proposal(const Hash& block_id, Actions& out) {
  assert(own_index_ && validator_set_.proposer(height_, round_) == public_key());
  auto key = std::pair{height_, round_};
  auto found = own_proposals_.find(key);
  if (found == own_proposals_.end()) {
    std::optional<uint32_t> valid_round;
    if (valid_block_id_ == block_id && valid_round_ && *valid_round_ < round_) valid_round = valid_round_;
    Proposal proposal{height_, round_, valid_round, block_id, public_key()};
    SignedProposal signed_proposal = sign_proposal(config_.chain_id, proposal, blocks_.at(block_id), *signer_);
    found = own_proposals_.emplace(key, std::move(signed_proposal)).first;
    out.push_back(Persist{wal_record_for_proposal(found->second)});
  }
  out.push_back(BroadcastProposal{found->second});
  const auto& valid_round = found->second.proposal.valid_round;
  if (valid_round) broadcast_prevotes_for(*valid_round, found->second.proposal.block_id, out);
  auto& stored = round_state(round_).proposal;
  if (!stored) {
    stored = found->second;
    blocks_.emplace(stored->proposal.block_id, stored->block);
    validity_.emplace(stored->proposal.block_id, true);
  }
}

// Signs (or, under the last-signed guard, reuses) this validator's vote for
// the current round, persists it before the broadcast, and counts it.
void Machine::send_vote(VoteType type, const std::optional<Hash>& block_id, Actions& out) {
  if (!own_index_) return;  // an observer follows the votes but casts none
  auto key = std::tuple{height_, round_, type};
  auto found = own_votes_.find(key);
  if (found == own_votes_.end()) {
    Vote vote{type, height_, round_, block_id, public_key()};
    SignedVote signed_vote = sign_vote(config_.chain_id, vote, *signer_);
    found = own_votes_.emplace(key, signed_vote).first;
    if (type == VoteType::precommit && block_id) {
      std::vector<SignedVote> justification;
      for (const auto& votes : round_state(round_).prevotes.by_validator)
        for (const SignedVote& prevote : votes)
          if (prevote.vote.block_id == block_id) justification.push_back(prevote);
      assert(justification.size() >= validator_set_.quorum());
      out.push_back(Persist{wal_record_for_vote(signed_vote, blocks_.at(*block_id), std::move(justification))});
    } else {
      out.push_back(Persist{wal_record_for_vote(signed_vote)});
    }
  }
  out.push_back(BroadcastVote{found->second});
  add_vote(found->second, *own_index_, out);
}

// Re-sends this validator's messages of the current round, and the quorum
// of prevotes that justifies its valid value. The paper assumes gossip in
// which every message a correct process received eventually reaches all;
// without the justifying prevotes a validator locked in an earlier round
// could never see why it may prevote the re-proposed value (rule 28).
void Machine::rebroadcast_own(Actions& out) {
  auto proposal = own_proposals_.find({height_, round_});
  if (proposal != own_proposals_.end()) out.push_back(BroadcastProposal{proposal->second});
  if (valid_round_) broadcast_prevotes_for(*valid_round_, *valid_block_id_, out);
  for (VoteType type : {VoteType::prevote, VoteType::precommit}) {
    auto vote = own_votes_.find({height_, round_, type});
    if (vote != own_votes_.end()) out.push_back(BroadcastVote{vote->second});
  }
}

// Sends the prevotes this machine holds for `block_id` in `round` (all of
// them, not only its own).
void Machine::broadcast_prevotes_for(uint32_t round, const Hash& block_id, Actions& out) {
  for (const auto& votes : round_state(round).prevotes.by_validator)
    for (const SignedVote& vote : votes)
      if (vote.vote.block_id == block_id) out.push_back(BroadcastVote{vote});
}

// Counts a verified vote. A second vote of the same validator for the same
// slot with another block id is equivocation: it is reported once per slot,
// and counted for its block id (see Tally).
void Machine::add_vote(const SignedVote& signed_vote, size_t validator_index, Actions& out) {
  const Vote& vote = signed_vote.vote;
  assert(vote.height == height_ && validator_index < validator_set_.size());
  Tally& votes = tally(vote.round, vote.type);
  std::vector<SignedVote>& known = votes.by_validator[validator_index];
  for (const SignedVote& existing : known)
    if (existing.vote.block_id == vote.block_id) return;  // the same vote (perhaps signed anew)
  if (!known.empty() && !votes.evidence_reported[validator_index]) {
    votes.evidence_reported[validator_index] = true;
    out.push_back(ReportEvidence{make_evidence(known.front(), signed_vote)});
  }
  if (known.size() >= conflicting_votes_max) return;
  if (known.empty()) votes.count += 1;
  known.push_back(signed_vote);
  votes.count_by_block[vote.block_id] += 1;
  assert(votes.count <= validator_set_.size());
  assert(votes.count_by_block[vote.block_id] <= validator_set_.size());
}

void Machine::schedule(Timeout::Kind kind, uint32_t round, Actions& out) {
  out.push_back(ScheduleTimeout{Timeout{kind, height_, round}, timeout_duration_ms(kind, round)});
}

uint64_t Machine::timeout_duration_ms(Timeout::Kind kind, uint32_t round) const {
  switch (kind) {
    case Timeout::Kind::propose:
      return config_.timeout_propose_base_ms + round * config_.timeout_propose_delta_ms;
    case Timeout::Kind::prevote:
      return config_.timeout_prevote_base_ms + round * config_.timeout_prevote_delta_ms;
    case Timeout::Kind::precommit:
      return config_.timeout_precommit_base_ms + round * config_.timeout_precommit_delta_ms;
    case Timeout::Kind::retransmit:
      return config_.retransmit_interval_ms;
  }
  return config_.retransmit_interval_ms;
}

void Machine::decide(uint32_t round, const Hash& block_id, Actions& out) {
  std::vector<SignedVote> precommits;
  for (const auto& votes : round_state(round).precommits.by_validator)
    for (const SignedVote& vote : votes)
      if (vote.vote.block_id == block_id) precommits.push_back(vote);
  assert(precommits.size() >= validator_set_.quorum());
  assert(is_valid(block_id));
  CommitCertificate certificate = make_commit_certificate(height_, round, block_id, precommits);
  out.push_back(Commit{height_, block_id, blocks_.at(block_id), std::move(certificate)});
  running_ = false;
}

}  // namespace govchain::consensus
