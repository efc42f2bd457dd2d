#include "app/consensus_driver.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "chain/tx.h"
#include "sync/block_server.h"
#include "sync/protocol.h"

namespace govchain::app {

namespace {

// Messages for the next height kept until it starts, at most.
constexpr size_t future_messages_max = 4096;
// Evidence records kept in memory, at most.
constexpr size_t evidence_max = 1024;
// Longest wait of the event loop, so that catch-up and deferred proposals
// are looked at even when nothing arrives.
constexpr uint64_t idle_wake_ms = 100;

std::string step_name(consensus::Step step) {
  switch (step) {
    case consensus::Step::propose:
      return "propose";
    case consensus::Step::prevote:
      return "prevote";
    case consensus::Step::precommit:
      return "precommit";
  }
  return "unknown";
}

std::string short_key(const PublicKey& key) { return key.hex().substr(0, 12); }

}  // namespace

ConsensusDriver::ConsensusDriver(ConsensusDriverConfig config, ChainBackend& backend,
                                 std::shared_ptr<rpc::Metrics> metrics)
    : config_(std::move(config)),
      clock_(config_.clock ? config_.clock : &system_clock()),
      backend_(backend),
      metrics_(std::move(metrics)) {}

ConsensusDriver::~ConsensusDriver() { stop(); }

Status ConsensusDriver::start() {
  GOVCHAIN_TRY(refresh_validator_set());
  config_.machine.chain_id = config_.chain_id;
  config_.proposal_gather_ms = std::min(config_.proposal_gather_ms, config_.empty_block_interval_ms / 2);
  if (config_.empty_block_interval_ms >= config_.machine.timeout_propose_base_ms)
    return error(Code::invalid_argument, "empty_block_interval_ms (" + std::to_string(config_.empty_block_interval_ms) +
                                             ") must be below the propose timeout (" +
                                             std::to_string(config_.machine.timeout_propose_base_ms) + " ms)");
  machine_ = std::make_unique<consensus::Machine>(config_.machine, consensus::make_schnorr_signer(config_.key.secret));
  std::shared_ptr<WalFile> wal_file = config_.wal_file;
  if (!wal_file) {
    GOVCHAIN_ASSIGN_OR_RETURN(wal_file, open_wal_file(config_.wal_path));
  }
  wal_ = std::make_unique<ConsensusWal>(std::move(wal_file));
  auto wal = wal_->open();
  if (!wal.ok()) return wal.status().with_context(config_.wal_path.string());
  if (wal->torn_tail_dropped) spdlog::warn("consensus WAL: dropped a torn last record (crash during a write)");
  std::vector<consensus::WalRecord>& records = wal->records;
  machine_->restore(records);
  GOVCHAIN_TRY(load_last_signed(records));

  p2p::TransportConfig transport;
  transport.listen_address = config_.p2p_address;
  transport.key_pair = config_.key;
  transport.chain_id = config_.chain_id;
  transport.genesis_hash = config_.genesis_hash;
  transport.peers = config_.peers;
  transport.allowed_keys = admitted_keys_;
  transport.gossip_message_types = {sync::message_type::tx, sync::message_type::txs, sync::message_type::evidence};
  transport.low_priority_message_types = {sync::message_type::tx, sync::message_type::txs};
  tx_gossip_ = make_tx_gossip();
  state_server_ = make_state_sync_server();
  p2p::TransportCallbacks callbacks;
  callbacks.on_message = [this](const PublicKey& peer, p2p::MessageType type, Bytes payload) {
    // Transactions are checked (signature included) on the gossip worker,
    // so that a flood of them delays neither the transport's threads nor
    // proposals and votes in the consensus thread's queue.
    if (type == sync::message_type::tx || type == sync::message_type::txs)
      return tx_gossip_->on_message(peer, type, std::move(payload));
    // State sync serving never enters the consensus thread's queue.
    if (type == sync::message_type::snapshot_request || type == sync::message_type::state_request)
      return state_server_->on_request(peer, type, std::move(payload));
    post({Event::Kind::message, peer, type, std::move(payload)});
  };
  callbacks.on_peer_connected = [this](const PublicKey& peer, const std::string&, bool) {
    post({Event::Kind::connected, peer, 0, {}});
  };
  callbacks.on_peer_disconnected = [this](const PublicKey& peer, const Status&) {
    post({Event::Kind::disconnected, peer, 0, {}});
  };
  transport_ = std::make_unique<p2p::Transport>(std::move(transport), std::move(callbacks));
  GOVCHAIN_TRY(transport_->start());
  tx_gossip_->start();
  state_server_->start();
  spdlog::info("consensus: {} {} of a set of {}, p2p on port {}, {} WAL records restored",
               validator_set_.contains(config_.key.public_key) ? "validator" : "observer",
               short_key(config_.key.public_key), validator_set_.size(), transport_->port(), records.size());
  thread_ = std::thread([this] { run(); });
  return Status();
}

void ConsensusDriver::stop() {
  if (stopping_.exchange(true)) return;
  events_ready_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (tx_gossip_) tx_gossip_->stop();
  if (state_server_) state_server_->stop();
  if (transport_) transport_->stop();
  wal_.reset();
}

uint16_t ConsensusDriver::p2p_port() const { return transport_ ? transport_->port() : 0; }

std::vector<p2p::PeerStatus> ConsensusDriver::peers() const {
  return transport_ ? transport_->peers() : std::vector<p2p::PeerStatus>{};
}

std::unique_ptr<StateSyncServer> ConsensusDriver::make_state_sync_server() {
  StateSyncServerConfig server;
  return std::make_unique<StateSyncServer>(
      server, backend_,
      [this](const PublicKey& peer, uint8_t type, Bytes payload) { (void)transport_->send(peer, type, payload); },
      [this](const PublicKey& peer, const std::string& reason) { transport_->penalize(peer, reason); });
}

std::unique_ptr<TxGossip> ConsensusDriver::make_tx_gossip() {
  TxGossipCallbacks callbacks;
  callbacks.send = [this](ByteView payload, const std::optional<PublicKey>& except) {
    transport_->gossip(sync::message_type::txs, payload, except);
  };
  callbacks.accept = [this](ByteView encoded_tx) { return backend_.accept_peer_tx(encoded_tx); };
  callbacks.penalize = [this](const PublicKey& peer, const std::string& reason) { transport_->penalize(peer, reason); };
  callbacks.refused_unknown = [this](const PublicKey& peer, const Status&) { count_unknown_sender(peer); };
  TxGossipConfig gossip;
  gossip.clock = clock_;
  return std::make_unique<TxGossip>(gossip, std::move(callbacks));
}

// Anyone can make a peer relay junk only by being its client, so the
// refusals are counted in a metric and logged at most once per interval.
void ConsensusDriver::count_unknown_sender(const PublicKey& peer) {
  if (metrics_)
    if (auto counter = metrics_->counter("govchain_gossip_unknown_sender_total",
                                         "Gossiped transactions refused because the chain does not know their sender");
        counter.ok())
      (*counter)->Increment();
  if (uint64_t events = unknown_sender_log_.note("unknown_sender", steady_ms()); events > 0)
    spdlog::warn("refused {} gossiped transaction(s) from unknown senders (latest from peer {}); they are not relayed",
                 events, peer.hex().substr(0, 16));
}

void ConsensusDriver::gossip_tx(ByteView encoded_tx) {
  if (tx_gossip_) tx_gossip_->add(encoded_tx);
}

void ConsensusDriver::notify_txs_waiting() {
  txs_arrived_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(events_mutex_);
    txs_waiting_ = true;
  }
  events_ready_.notify_one();
}

ConsensusSnapshot ConsensusDriver::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void ConsensusDriver::post(Event event) {
  {
    std::lock_guard lock(events_mutex_);
    events_.push_back(std::move(event));
  }
  events_ready_.notify_one();
}

// ---- the event loop -------------------------------------------------------

void ConsensusDriver::run() {
  consensus::Actions actions;
  chain::ChainHead head = backend_.head();
  last_commit_steady_ms_ = steady_ms();
  height_started_steady_ms_ = last_commit_steady_ms_;
  machine_->start_height(head.height + 1, validator_set_, actions);
  perform(actions);
  announce_status(std::nullopt);
  while (!stopping_) {
    std::deque<Event> batch;
    {
      std::unique_lock lock(events_mutex_);
      uint64_t wait_ms = idle_wake_ms;
      uint64_t now = steady_ms();
      if (!timers_.empty()) wait_ms = std::min(wait_ms, timers_.begin()->first - std::min(timers_.begin()->first, now));
      if (pending_proposal_) {
        uint64_t propose_at = last_commit_steady_ms_ + config_.empty_block_interval_ms;
        uint64_t gathered_at = last_commit_steady_ms_ + config_.proposal_gather_ms;
        if (gathered_at > now) propose_at = std::min(propose_at, gathered_at);
        wait_ms = std::min(wait_ms, propose_at - std::min(propose_at, now));
      }
      events_ready_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                             [&] { return stopping_ || !events_.empty() || txs_waiting_; });
      batch.swap(events_);
      txs_waiting_ = false;
    }
    if (stopping_) break;
    for (auto& event : batch) {
      handle(event, actions);
      perform(actions);
    }
    fire_due_timers(actions);
    perform(actions);
    maybe_propose(actions);
    perform(actions);
    maybe_catch_up();
    update_snapshot();
  }
}

void ConsensusDriver::handle(Event& event, consensus::Actions& actions) {
  switch (event.kind) {
    case Event::Kind::connected:
      announce_status(event.peer);
      return;
    case Event::Kind::disconnected:
      catch_up_.on_peer_gone(event.peer);
      return;
    case Event::Kind::message:
      handle_message(event.peer, event.type, event.payload, actions);
      return;
  }
}

void ConsensusDriver::handle_message(const PublicKey& peer, uint8_t type, const Bytes& payload,
                                     consensus::Actions& actions) {
  switch (type) {
    case sync::message_type::proposal:
      return on_proposal_message(peer, payload, actions);
    case sync::message_type::vote:
      return on_vote_message(peer, payload, actions);
    case sync::message_type::evidence:
      return on_evidence_message(peer, payload);
    case sync::message_type::status: {
      auto status = sync::decode_status(payload);
      if (!status.ok()) return transport_->penalize(peer, "invalid status message: " + status.status().to_string());
      catch_up_.on_peer_status(peer, *status);
      return;
    }
    case sync::message_type::block_request:
      return on_block_request(peer, payload);
    case sync::message_type::block_response:
      return on_block_response(peer, payload, actions);
    default:
      transport_->penalize(peer, "unknown message type " + std::to_string(type));
  }
}

void ConsensusDriver::on_proposal_message(const PublicKey& peer, const Bytes& payload, consensus::Actions& actions) {
  auto proposal = consensus::decode_proposal(payload);
  if (!proposal.ok()) return transport_->penalize(peer, "invalid proposal: " + proposal.status().to_string());
  spdlog::debug("consensus: proposal for block {} round {} arrived ({} bytes)", proposal->proposal.height,
                proposal->proposal.round, payload.size());
  if (proposal->proposal.height == machine_->height() + 1) {
    if (future_messages_.size() < future_messages_max) future_messages_.push_back(std::move(*proposal));
    return;
  }
  Status used = machine_->on_proposal(*proposal, actions);
  if (used.code() == Code::bad_signature) transport_->penalize(peer, "proposal with a bad signature");
}

void ConsensusDriver::on_vote_message(const PublicKey& peer, const Bytes& payload, consensus::Actions& actions) {
  auto vote = consensus::decode_vote(payload);
  if (!vote.ok()) return transport_->penalize(peer, "invalid vote: " + vote.status().to_string());
  if (vote->vote.height == machine_->height() + 1) {
    if (future_messages_.size() < future_messages_max) future_messages_.push_back(std::move(*vote));
    return;
  }
  Status used = machine_->on_vote(*vote, actions);
  if (used.code() == Code::bad_signature) transport_->penalize(peer, "vote with a bad signature");
  // The last height each validator's precommit reached this node: a
  // validator whose height falls behind is missing from the certificates
  // (alert ValidatorMissingPrecommits, monitoring/prometheus/). Only votes
  // the state machine accepted count, so the labels are validator keys.
  if (used.ok() && metrics_ && vote->vote.type == consensus::VoteType::precommit)
    if (auto gauge = metrics_->gauge("govchain_consensus_validator_precommit_height",
                                     "Latest height of a precommit received from each validator",
                                     {{"validator", vote->vote.validator.hex()}});
        gauge.ok())
      (*gauge)->Set(static_cast<double>(vote->vote.height));
}

void ConsensusDriver::on_evidence_message(const PublicKey& peer, const Bytes& payload) {
  auto evidence = consensus::decode_evidence(payload);
  if (!evidence.ok()) return transport_->penalize(peer, "invalid evidence: " + evidence.status().to_string());
  Status verified = consensus::verify_evidence(*evidence, config_.chain_id, validator_set_);
  if (!verified.ok()) return transport_->penalize(peer, "evidence that does not verify: " + verified.to_string());
  record_evidence(*evidence);
}

void ConsensusDriver::record_evidence(const consensus::Evidence& evidence) {
  Bytes encoded = consensus::encode_evidence(evidence);
  for (const auto& known : evidence_)
    if (known == encoded) return;
  spdlog::warn("consensus: evidence that validator {} signed two conflicting {}s at height {} round {}",
               evidence.first.vote.validator.hex(), consensus::vote_type_name(evidence.first.vote.type),
               evidence.first.vote.height, evidence.first.vote.round);
  if (evidence_.size() < evidence_max) evidence_.push_back(encoded);
  transport_->gossip(sync::message_type::evidence, encoded);
  backend_.report_evidence(encoded);
  if (metrics_)
    if (auto counter = metrics_->counter("govchain_consensus_evidence_total", "Equivocations detected"); counter.ok())
      (*counter)->Increment();
}

Status ConsensusDriver::refresh_validator_set() {
  std::vector<PublicKey> keys = backend_.validators();
  GOVCHAIN_ASSIGN_OR_RETURN(consensus::ValidatorSet next, consensus::ValidatorSet::create(keys));
  bool was_member = validator_set_.contains(config_.key.public_key);
  bool is_member = next.contains(config_.key.public_key);
  if (validator_set_.size() > 0 && was_member != is_member)
    spdlog::warn("consensus: this node's key {} the validator set at height {}", is_member ? "joins" : "leaves",
                 backend_.head().height + 1);
  validator_set_ = std::move(next);
  std::vector<PublicKey> admitted = backend_.admitted_node_keys();
  admitted.insert(admitted.end(), config_.observers.begin(), config_.observers.end());
  std::sort(admitted.begin(), admitted.end());
  admitted.erase(std::unique(admitted.begin(), admitted.end()), admitted.end());
  if (admitted != admitted_keys_) {
    if (transport_) spdlog::info("p2p: admitting {} node keys", admitted.size());
    admitted_keys_ = std::move(admitted);
    if (transport_) transport_->set_allowed_keys(admitted_keys_);
  }
  return Status();
}

// ---- catch-up ---------------------------------------------------------------

void ConsensusDriver::announce_status(std::optional<PublicKey> to) {
  chain::ChainHead head = backend_.head();
  Bytes payload = sync::encode_status({head.height, head.block_hash});
  if (to)
    (void)transport_->send(*to, sync::message_type::status, payload);
  else
    transport_->broadcast(sync::message_type::status, payload);
}

void ConsensusDriver::maybe_catch_up() {
  uint64_t local_height = backend_.head().height;
  auto next = catch_up_.next_request(local_height, steady_ms());
  if (!next) return;
  spdlog::info("catching up: asking {} for blocks {}..{} (peer is at {})", short_key(next->peer),
               next->request.from_height, next->request.from_height + next->request.count - 1,
               catch_up_.best_peer_height());
  Status sent =
      transport_->send(next->peer, sync::message_type::block_request, sync::encode_block_request(next->request));
  if (!sent.ok()) catch_up_.on_response(next->peer, 0);
}

void ConsensusDriver::on_block_request(const PublicKey& peer, const Bytes& payload) {
  auto request = sync::decode_block_request(payload);
  if (!request.ok()) return transport_->penalize(peer, "invalid block request: " + request.status().to_string());
  sync::BlockResponse response = sync::answer_block_request(*request, backend_);
  (void)transport_->send(peer, sync::message_type::block_response, sync::encode_block_response(response));
}

void ConsensusDriver::on_block_response(const PublicKey& peer, const Bytes& payload, consensus::Actions& actions) {
  auto response = sync::decode_block_response(payload);
  if (!response.ok()) return transport_->penalize(peer, "invalid block response: " + response.status().to_string());
  catch_up_.on_response(peer, response->blocks.size());
  for (auto& entry : response->blocks) {
    // The machine checks the certificate against the header's hash; the
    // body must decode and be the one the header's transactions root names,
    // or a peer could pair a certified header with other transactions and
    // make this node fail when it commits the block.
    auto block = chain::decode_block(entry.block);
    if (!block.ok()) return transport_->penalize(peer, "block in a response does not decode");
    const chain::Header* header = &block->header;
    if (header->height < machine_->height()) continue;
    if (header->height > machine_->height()) return;
    if (chain::txs_root(block->txs) != header->txs_root)
      return transport_->penalize(
          peer, "block " + std::to_string(header->height) + " whose transactions are not the ones its header names");
    Hash block_id = chain::block_hash(*header);
    Status used = machine_->on_decided_block(block_id, std::move(entry.block), entry.commit, actions);
    if (!used.ok()) {
      transport_->penalize(peer, "block " + std::to_string(header->height) +
                                     " with a certificate that does not verify: " + used.to_string());
      return;
    }
    perform(actions);
  }
}

// ---- actions ------------------------------------------------------------------

void ConsensusDriver::perform(consensus::Actions& actions) {
  std::deque<consensus::Action> queue(std::make_move_iterator(actions.begin()), std::make_move_iterator(actions.end()));
  actions.clear();
  // Each action may produce more (an answer to a request feeds the machine
  // again); they run in order after the ones already queued.
  size_t performed = 0;
  while (!queue.empty() && !stopping_) {
    consensus::Actions more;
    perform_one(queue.front(), more);
    queue.pop_front();
    for (auto& action : more) queue.push_back(std::move(action));
    ++performed;
    assert(performed < 1'000'000);
  }
}

void ConsensusDriver::perform_one(consensus::Action& action, consensus::Actions& more) {
  if (auto* persist = std::get_if<consensus::Persist>(&action)) {
    Status appended = wal_->append(persist->record);
    if (!appended.ok()) return fail_stop(appended, "writing the consensus WAL");
    SignedStep step = signed_step_of(persist->record);
    if (!last_signed_ || *last_signed_ < step) last_signed_ = step;
  } else if (auto* proposal = std::get_if<consensus::BroadcastProposal>(&action)) {
    transport_->broadcast(sync::message_type::proposal, consensus::encode_proposal(proposal->proposal));
  } else if (auto* vote = std::get_if<consensus::BroadcastVote>(&action)) {
    transport_->broadcast(sync::message_type::vote, consensus::encode_vote(vote->vote));
  } else if (auto* timeout = std::get_if<consensus::ScheduleTimeout>(&action)) {
    timers_.emplace(steady_ms() + timer_duration_ms(*timeout), timeout->timeout);
  } else if (auto* request = std::get_if<consensus::RequestProposal>(&action)) {
    pending_proposal_ = PendingProposal{request->height, request->round};
    maybe_propose(more);
  } else if (auto* validity = std::get_if<consensus::RequestValidity>(&action)) {
    judge(*validity, more);
  } else if (auto* decided = std::get_if<consensus::Commit>(&action)) {
    commit(*decided, more);
  } else if (auto* evidence = std::get_if<consensus::ReportEvidence>(&action)) {
    record_evidence(evidence->evidence);
  }
}

// Proposals are not relayed (validators are fully meshed), so with no
// session to the round's proposer its proposal cannot arrive here. While
// this node has sessions with enough validators for a quorum, it then gives
// up on the proposer sooner and prevotes nil; the others do the same, and
// the next round's proposer takes over. Safety never depends on timeouts;
// this only spares the live validators the full wait for a crashed one.
uint64_t ConsensusDriver::timer_duration_ms(const consensus::ScheduleTimeout& scheduled) const {
  const consensus::Timeout& timeout = scheduled.timeout;
  if (timeout.kind != consensus::Timeout::Kind::propose || validator_set_.size() == 0) return scheduled.duration_ms;
  const PublicKey& proposer = validator_set_.proposer(timeout.height, timeout.round);
  if (proposer == config_.key.public_key) return scheduled.duration_ms;
  size_t validators_reachable = validator_set_.contains(config_.key.public_key) ? 1 : 0;
  for (const auto& peer : transport_->peers()) {
    if (!peer.connected) continue;
    if (peer.public_key == proposer) return scheduled.duration_ms;
    if (validator_set_.contains(peer.public_key)) ++validators_reachable;
  }
  if (validators_reachable < validator_set_.quorum()) return scheduled.duration_ms;
  return std::min(scheduled.duration_ms, config_.unreachable_proposer_timeout_ms);
}

void ConsensusDriver::maybe_propose(consensus::Actions& actions) {
  if (!pending_proposal_) return;
  if (pending_proposal_->height != machine_->height() || pending_proposal_->round != machine_->round()) {
    pending_proposal_.reset();
    return;
  }
  bool waited_enough = steady_ms() >= last_commit_steady_ms_ + config_.empty_block_interval_ms;
  bool may_wait = !waited_enough && pending_proposal_->round == 0;
  // Waiting transactions that cannot go into a block (a nonce gap) must not
  // make the proposer skip the interval: after an empty build it waits
  // until more transactions arrive (one may close the gap).
  bool nothing_new = empty_build_height_ == pending_proposal_->height &&
                     empty_build_arrivals_ == txs_arrived_.load(std::memory_order_relaxed);
  bool gathering = steady_ms() < last_commit_steady_ms_ + config_.proposal_gather_ms;
  if (may_wait && (backend_.mempool_size() == 0 || nothing_new || gathering)) return;
  PendingProposal pending = *pending_proposal_;
  pending_proposal_.reset();
  propose(pending, may_wait, actions);
}

void ConsensusDriver::propose(const PendingProposal& pending, bool may_wait, consensus::Actions& more) {
  chain::ChainHead head = backend_.head();
  auto last_commit = backend_.commit(head.height);
  if (!last_commit.ok()) return fail_stop(last_commit.status(), "reading the head's certificate");
  int64_t time_ms = std::max(wall_ms(), head.time_ms + 1);
  uint64_t arrivals_before_build = txs_arrived_.load(std::memory_order_relaxed);
  uint64_t build_started_ms = steady_ms();
  auto built = backend_.build_block(time_ms, config_.key.public_key, *last_commit);
  if (!built.ok()) return fail_stop(built.status(), "building a block");
  uint64_t build_ms = steady_ms() - build_started_ms;
  if (built->txs.empty() && may_wait) {
    empty_build_height_ = pending.height;
    empty_build_arrivals_ = arrivals_before_build;
    pending_proposal_ = pending;
    return;
  }
  Hash block_id = built->block_hash;
  Bytes encoded = built->encoded;
  spdlog::debug("consensus: proposing block {} round {} with {} transactions (built in {} ms)", pending.height,
                pending.round, built->txs.size(), build_ms);
  executed_.insert_or_assign(block_id, std::move(*built));
  machine_->on_proposal_value(pending.height, pending.round, block_id, std::move(encoded), more);
}

void ConsensusDriver::judge(const consensus::RequestValidity& request, consensus::Actions& more) {
  if (executed_.contains(request.block_id)) {
    machine_->on_validity(request.height, request.block_id, true, more);
    return;
  }
  // The header alone first: a block that does not hash to its id or lies
  // about its time is refused before anything is executed.
  auto header = chain::decode_block_header(request.block);
  bool valid = false;
  if (!header.ok()) {
    spdlog::warn("consensus: proposed block at height {} does not decode: {}", request.height,
                 header.status().to_string());
  } else if (chain::block_hash(*header) != request.block_id) {
    spdlog::warn("consensus: proposed block at height {} does not hash to its id", request.height);
  } else if (header->time_ms > wall_ms() + static_cast<int64_t>(config_.block_time_future_ms_max)) {
    spdlog::warn("consensus: proposed block at height {} is {} ms ahead of this node's clock", request.height,
                 header->time_ms - wall_ms());
  } else {
    uint64_t started_ms = steady_ms();
    auto executed = backend_.execute_block(request.block);
    spdlog::debug("consensus: judged block {} in {} ms", request.height, steady_ms() - started_ms);
    if (executed.ok()) {
      valid = true;
      executed_.insert_or_assign(request.block_id, std::move(*executed));
    } else {
      spdlog::warn("consensus: proposed block at height {} is invalid: {}", request.height,
                   executed.status().to_string());
    }
  }
  machine_->on_validity(request.height, request.block_id, valid, more);
}

Status ConsensusDriver::load_last_signed(const std::vector<consensus::WalRecord>& records) {
  last_signed_ = last_signed_in(records, config_.key.public_key);
  if (config_.signing_state_path.empty()) return Status();
  auto read = read_signing_state(config_.signing_state_path);
  if (!read.ok()) {
    // The node's start checked it (check_signing_guard) and was told to go on.
    spdlog::warn("consensus: {}; it is replaced at the next commit", read.status().to_string());
    return Status();
  }
  const std::optional<SigningState>& stored = *read;
  // Another key's or chain's file (a copied folder) says nothing about this
  // node; it is replaced at the next commit.
  if (stored && stored->validator == config_.key.public_key && stored->chain_id == config_.chain_id) {
    last_saved_ = stored->last;
    if (!last_signed_ || *last_signed_ < stored->last) last_signed_ = stored->last;
  }
  return Status();
}

Status ConsensusDriver::save_signing_state() {
  if (config_.signing_state_path.empty() || !last_signed_ || last_saved_ == last_signed_) return Status();
  GOVCHAIN_TRY(write_signing_state(config_.signing_state_path,
                                   SigningState{config_.chain_id, config_.key.public_key, *last_signed_}));
  last_saved_ = last_signed_;
  // The folder now records what this validator signed: a restore or state
  // sync marker that the operator's flag let through has done its work.
  if (!config_.start_markers_dir.empty()) GOVCHAIN_TRY(remove_start_markers(config_.start_markers_dir));
  return Status();
}

void ConsensusDriver::commit(consensus::Commit& decided, consensus::Actions& more) {
  auto found = executed_.find(decided.block_id);
  std::optional<block::ExecutedBlock> executed;
  if (found != executed_.end()) {
    executed = std::move(found->second);
  } else {
    // Decided without this node judging it (catch-up, or the quorum formed
    // before the proposal arrived): execute now. A certified block that does
    // not execute here means this node's state differs from the network's.
    auto result = backend_.execute_block(decided.block);
    if (!result.ok()) return fail_stop(result.status(), "executing certified block " + std::to_string(decided.height));
    executed = std::move(*result);
  }
  size_t tx_count = executed->txs.size();
  Status committed = backend_.commit_executed(std::move(*executed), decided.certificate);
  if (!committed.ok()) return fail_stop(committed, "committing block " + std::to_string(decided.height));
  Status saved = save_signing_state();
  if (!saved.ok()) return fail_stop(saved, "writing the signing state file");
  Status cleared = wal_->clear();
  if (!cleared.ok()) return fail_stop(cleared, "clearing the consensus WAL");
  uint64_t now = steady_ms();
  if (metrics_) {
    if (auto histogram =
            metrics_->histogram("govchain_consensus_block_seconds", "Time from the start of a height to its commit",
                                rpc::Metrics::latency_buckets_seconds());
        histogram.ok())
      (*histogram)->Observe(static_cast<double>(now - height_started_steady_ms_) / 1000.0);
    if (auto gauge = metrics_->gauge("govchain_consensus_commit_round", "Round in which the latest block was decided");
        gauge.ok())
      (*gauge)->Set(decided.certificate.round);
    if (auto gauge = metrics_->gauge("govchain_consensus_missing_votes",
                                     "Validators whose precommit is missing from the latest certificate");
        gauge.ok())
      (*gauge)->Set(static_cast<double>(validator_set_.size() - decided.certificate.signatures.size()));
  }
  spdlog::log(tx_count > 0 ? spdlog::level::info : spdlog::level::debug,
              "consensus: committed block {} (round {}, {} transactions, {} of {} precommits, {} ms)", decided.height,
              decided.certificate.round, tx_count, decided.certificate.signatures.size(), validator_set_.size(),
              now - height_started_steady_ms_);
  executed_.clear();
  pending_proposal_.reset();
  last_commit_steady_ms_ = now;
  height_started_steady_ms_ = now;
  Status refreshed = refresh_validator_set();
  if (!refreshed.ok())
    return fail_stop(refreshed, "reading the validator set after block " + std::to_string(decided.height));
  machine_->start_height(decided.height + 1, validator_set_, more);
  announce_status(std::nullopt);
  // Messages for the new height that arrived early are handled after the
  // actions of start_height.
  for (const auto& message : future_messages_) {
    if (const auto* proposal = std::get_if<consensus::SignedProposal>(&message))
      (void)machine_->on_proposal(*proposal, more);
    else
      (void)machine_->on_vote(std::get<consensus::SignedVote>(message), more);
  }
  future_messages_.clear();
}

void ConsensusDriver::fire_due_timers(consensus::Actions& actions) {
  uint64_t now = steady_ms();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    consensus::Timeout timeout = timers_.begin()->second;
    timers_.erase(timers_.begin());
    machine_->on_timeout(timeout, actions);
  }
}

void ConsensusDriver::update_snapshot() {
  ConsensusSnapshot snapshot;
  snapshot.height = machine_->height();
  snapshot.round = machine_->round();
  snapshot.step = step_name(machine_->step());
  snapshot.best_peer_height = catch_up_.best_peer_height();
  snapshot.catching_up = catch_up_.behind(backend_.head().height + 1);
  snapshot.evidence_count = evidence_.size();
  snapshot.peer_heights = catch_up_.peer_heights();
  {
    std::lock_guard lock(snapshot_mutex_);
    snapshot_ = std::move(snapshot);
  }
  if (!metrics_) return;
  observe_step_duration();
  if (auto gauge = metrics_->gauge("govchain_consensus_height", "Height being decided"); gauge.ok())
    (*gauge)->Set(static_cast<double>(machine_->height()));
  if (auto gauge = metrics_->gauge("govchain_consensus_round", "Round of the height being decided"); gauge.ok())
    (*gauge)->Set(machine_->round());
  size_t connected = 0;
  for (const auto& peer : transport_->peers()) connected += peer.connected ? 1 : 0;
  if (auto gauge = metrics_->gauge("govchain_peers_connected", "Peers with an open session"); gauge.ok())
    (*gauge)->Set(static_cast<double>(connected));
  // With the validator count, the alert rules know how many peers a quorum
  // needs.
  if (auto gauge = metrics_->gauge("govchain_validators", "Validators deciding the next height"); gauge.ok())
    (*gauge)->Set(static_cast<double>(validator_set_.size()));
}

void ConsensusDriver::observe_step_duration() {
  auto current = std::make_tuple(machine_->height(), machine_->round(), machine_->step());
  if (current == observed_step_) return;
  uint64_t now = steady_ms();
  if (observed_step_since_ms_ != 0) {
    auto histogram = metrics_->histogram("govchain_consensus_step_seconds", "Time spent in a consensus step",
                                         rpc::Metrics::latency_buckets_seconds(),
                                         {{"step", step_name(std::get<2>(observed_step_))}});
    if (histogram.ok()) (*histogram)->Observe(static_cast<double>(now - observed_step_since_ms_) / 1000.0);
  }
  observed_step_ = current;
  observed_step_since_ms_ = now;
}

void ConsensusDriver::fail_stop(const Status& status, std::string_view doing) {
  spdlog::critical("consensus: {} failed, stopping the node to protect the data: {}", doing, status.to_string());
  std::_Exit(70);
}

}  // namespace govchain::app
