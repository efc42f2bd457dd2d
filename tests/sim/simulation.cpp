#include "sim/simulation.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <tuple>
#include <variant>
#include <vector>

#include "consensus/machine.h"
#include "crypto/hash.h"
#include "sim/random.h"

namespace govchain::sim {

namespace {

using consensus::Actions;

constexpr std::string_view chain_id = "govchain-sim";
constexpr uint64_t events_max = 200'000'000;
constexpr uint64_t sync_reply_interval_ms = 500;

// The fast stand-in for BIP340: "signature" = SHA-256(key || digest). It
// cannot be forged by an honest-but-buggy node, which is all the simulator
// needs; Byzantine twins hold the real key anyway.
Signature fake_signature(const PublicKey& key, const Hash& digest) {
  Bytes message = key.bytes();
  message.insert(message.end(), digest.data.begin(), digest.data.end());
  Hash hash = crypto::sha256(message);
  Signature signature;
  std::copy(hash.data.begin(), hash.data.end(), signature.data.begin());
  return signature;
}

bool verify_fake(const PublicKey& key, const Hash& digest, const Signature& signature) {
  return fake_signature(key, digest) == signature;
}

class FakeSigner final : public consensus::Signer {
 public:
  explicit FakeSigner(PublicKey key) : key_(key) {}
  const PublicKey& public_key() const override { return key_; }
  Signature sign(const Hash& digest) const override { return fake_signature(key_, digest); }

 private:
  PublicKey key_;
};

FixedBytes<32> secret_for(uint64_t index) {
  return crypto::sha256(to_bytes("govchain-sim-secret-" + std::to_string(index)));
}

// Envelope kinds on the simulated wire; payloads use the real codecs.
// `forged` wraps a Byzantine twin's tampered proposal or vote (inner kind byte
// first); receivers must refuse it.
enum class Wire : uint8_t { proposal = 1, vote = 2, decided = 3, status = 4, forged = 5 };

struct Decided {
  Hash block_id;
  Bytes block;
  consensus::CommitCertificate certificate;
};

struct Deliver {
  size_t from;
  size_t to;
  Bytes message;
};
struct TimerFire {
  size_t instance;
  uint64_t incarnation;
  consensus::Timeout timeout;
};
struct ProposalValue {
  size_t instance;
  uint64_t incarnation;
  uint64_t height;
  uint32_t round;
};
struct ValidityAnswer {
  size_t instance;
  uint64_t incarnation;
  uint64_t height;
  Hash block_id;
  bool valid;
};
struct Crash {
  size_t instance;
  uint64_t downtime_ms;
};
struct Restart {
  size_t instance;
};
struct PartitionChange {};
// Models the sync layer's status exchange: each instance tells a random peer its height.
struct SyncPoll {
  size_t instance;
};
struct Heal {};
using EventBody =
    std::variant<Deliver, TimerFire, ProposalValue, ValidityAnswer, Crash, Restart, PartitionChange, SyncPoll, Heal>;

// The queue holds small keys; bodies wait in slots_ (reused through a free
// list), so heap operations never move message bytes around.
struct Scheduled {
  uint64_t time_ms;
  uint64_t sequence;  // ties in time resolve in scheduling order: deterministic
  size_t slot;
  bool operator>(const Scheduled& other) const {
    return std::tie(time_ms, sequence) > std::tie(other.time_ms, other.sequence);
  }
};

struct Instance {
  size_t validator_index = 0;
  int twin = -1;  // -1: honest; 0 or 1: one of the two twins of a Byzantine key
  bool alive = true;
  uint64_t incarnation = 0;
  std::unique_ptr<consensus::Machine> machine;
  Bytes wal;
  std::map<uint64_t, Decided> committed;  // the durable block store
  std::map<size_t, uint64_t> last_sync_reply_ms;
  bool honest() const { return twin < 0; }
  uint64_t committed_height() const { return committed.empty() ? 0 : committed.rbegin()->first; }
};

// Fault intensities, drawn from the seed at the start of a run.
struct Faults {
  uint64_t loss_per_million = 0;
  uint64_t duplicate_per_million = 0;
  uint64_t long_delay_per_million = 0;
  uint64_t torn_write_per_million = 0;
  uint64_t delay_min_ms = 5;
  uint64_t delay_max_ms = 100;
  bool partitions = false;
  bool crashes = false;
  size_t byzantine = 0;
  bool rotate_validators = false;
};

}  // namespace

class Simulation {
 public:
  explicit Simulation(const Options& options) : options_(options), random_(options.seed) {}
  Outcome run();

 private:
  void choose_faults();
  void create_instances();
  consensus::Config machine_config() const;
  std::unique_ptr<consensus::Machine> new_machine(size_t validator_index) const;  // after byzantine_ is set
  void schedule(uint64_t delay_ms, EventBody body);
  void handle(EventBody& body);
  void handle_deliver(Deliver& deliver);
  void handle_crash(const Crash& crash);
  void restart(size_t instance_index);
  void handle_partition_change();
  void handle_sync_poll(size_t instance_index);
  void handle_heal();
  void perform(size_t instance_index, Actions& actions);
  void perform_persist(size_t instance_index, const consensus::Persist& persist, bool& crashed);
  void perform_commit(size_t instance_index, consensus::Commit& commit);
  void perform_evidence(size_t instance_index, const consensus::Evidence& evidence);
  void check_vote(const Instance& instance, const consensus::SignedVote& vote);
  void check_proposal(const Instance& instance, const consensus::SignedProposal& proposal);
  void broadcast(size_t from, Wire kind, const Bytes& payload);
  void send(size_t from, size_t to, Bytes message, uint64_t extra_delay_ms = 0);
  bool link_up(size_t from, size_t to) const;
  void maybe_sync_reply(size_t from, size_t to, uint64_t height);
  void broadcast_forgery(size_t from, Wire kind, const Bytes& payload);
  void handle_forgery(size_t instance_index, ByteView payload);
  Bytes make_block(size_t instance_index, uint64_t height, uint32_t round);
  static bool block_valid(const Hash& block_id, const Bytes& block);
  void violation(const std::string& message);
  bool liveness_reached() const;
  const consensus::ValidatorSet& set_for(uint64_t height) const;
  void trace(const std::string& line) const;

  Options options_;
  Random random_;
  Faults faults_;
  Outcome outcome_;
  uint64_t now_ms_ = 0;
  uint64_t sequence_ = 0;
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> events_;
  std::vector<EventBody> slots_;
  std::vector<size_t> free_slots_;
  std::vector<Instance> instances_;
  std::vector<PublicKey> keys_;  // the key pool, by validator index, sorted
  std::vector<FixedBytes<32>> secret_by_validator_;
  std::vector<bool> byzantine_;  // by validator index
  // Without rotation one set of all keys. With rotation the pool has one key
  // more than the set size, and every rotation_period_heights a different
  // key sits out: sets_[i] is the pool without key i.
  std::vector<consensus::ValidatorSet> sets_;
  std::vector<std::vector<bool>> blocked_;  // [from][to] during a partition
  bool healed_ = false;
  uint64_t target_height_ = 0;
  bool stop_ = false;
  std::map<uint64_t, Hash> honest_decisions_;
  std::map<std::tuple<size_t, uint64_t, uint32_t, uint8_t>, std::optional<Hash>> honest_votes_;
  std::map<std::tuple<size_t, uint64_t, uint32_t>, Hash> honest_proposals_;
};

bool parse_scenario(const std::string& name, Scenario& scenario) {
  static const std::pair<const char*, Scenario> names[] = {
      {"lossy", Scenario::lossy},         {"partition", Scenario::partition}, {"crash", Scenario::crash},
      {"byzantine", Scenario::byzantine}, {"mixed", Scenario::mixed},         {"scale", Scenario::scale}};
  for (const auto& [text, value] : names)
    if (name == text) {
      scenario = value;
      return true;
    }
  return false;
}

std::string scenario_name(Scenario scenario) {
  switch (scenario) {
    case Scenario::lossy:
      return "lossy";
    case Scenario::partition:
      return "partition";
    case Scenario::crash:
      return "crash";
    case Scenario::byzantine:
      return "byzantine";
    case Scenario::mixed:
      return "mixed";
    case Scenario::scale:
      return "scale";
  }
  return "unknown";
}

void Simulation::choose_faults() {
  Scenario scenario = options_.scenario;
  if (scenario == Scenario::scale) {
    faults_.delay_min_ms = faults_.delay_max_ms = options_.link_delay_ms;
    return;
  }
  static const uint64_t losses[] = {0, 20'000, 100'000, 300'000, 600'000};
  faults_.loss_per_million = losses[random_.below(5)];
  faults_.duplicate_per_million = random_.between(0, 100'000);
  faults_.long_delay_per_million = random_.between(0, 100'000);
  faults_.delay_max_ms = random_.between(10, 400);
  bool mixed = scenario == Scenario::mixed;
  faults_.partitions = scenario == Scenario::partition || (mixed && random_.chance(500'000));
  faults_.crashes = scenario == Scenario::crash || (mixed && random_.chance(500'000));
  if (faults_.crashes) faults_.torn_write_per_million = random_.between(0, 20'000);
  faults_.rotate_validators = options_.rotate_validators || (mixed && random_.chance(500'000));
  size_t f = (options_.validators - 1) / 3;
  if (f > 0 && (scenario == Scenario::byzantine || (mixed && random_.chance(500'000))))
    faults_.byzantine = random_.between(1, f);
}

consensus::Config Simulation::machine_config() const {
  consensus::Config config;
  config.chain_id = std::string(chain_id);
  config.timeout_propose_base_ms = 1000;
  config.timeout_propose_delta_ms = 250;
  config.timeout_prevote_base_ms = 500;
  config.timeout_prevote_delta_ms = 250;
  config.timeout_precommit_base_ms = 500;
  config.timeout_precommit_delta_ms = 250;
  config.retransmit_interval_ms = 1000;
  config.verifier = options_.real_crypto ? consensus::verify_schnorr : verify_fake;
  config.test_only_ignore_lock = options_.ignore_lock;
  return config;
}

std::unique_ptr<consensus::Machine> Simulation::new_machine(size_t validator_index) const {
  consensus::Config config = machine_config();
  // A Byzantine twin also ignores its lock: one more way to push a second
  // value through, which only the honest validators' locks can stop.
  if (byzantine_[validator_index]) {
    config.test_only_ignore_lock = true;
    config.adopt_own_messages_from_network = false;  // the twins must equivocate
  }
  std::unique_ptr<consensus::Signer> signer;
  if (options_.real_crypto)
    signer = consensus::make_schnorr_signer(secret_by_validator_[validator_index]);
  else
    signer = std::make_unique<FakeSigner>(keys_[validator_index]);
  assert(signer->public_key() == keys_[validator_index]);
  return std::make_unique<consensus::Machine>(std::move(config), std::move(signer));
}

void Simulation::create_instances() {
  std::vector<std::pair<PublicKey, FixedBytes<32>>> pairs;
  size_t pool_size = options_.validators + (faults_.rotate_validators ? 1 : 0);
  for (size_t i = 0; i < pool_size; ++i) {
    FixedBytes<32> secret = secret_for(options_.seed * 1000 + i);
    PublicKey key =
        options_.real_crypto ? consensus::make_schnorr_signer(secret)->public_key() : crypto::sha256(secret.view());
    pairs.emplace_back(key, secret);
  }
  std::sort(pairs.begin(), pairs.end());
  for (const auto& [key, secret] : pairs) {
    keys_.push_back(key);
    secret_by_validator_.push_back(secret);
  }
  for (size_t left_out = 0; left_out < (faults_.rotate_validators ? pool_size : 1); ++left_out) {
    std::vector<PublicKey> members = keys_;
    if (faults_.rotate_validators) members.erase(members.begin() + static_cast<std::ptrdiff_t>(left_out));
    auto set = consensus::ValidatorSet::create(members);
    assert(set.ok() && set->size() == options_.validators);
    sets_.push_back(*set);
  }
  byzantine_.assign(pool_size, false);
  for (size_t chosen = 0; chosen < faults_.byzantine;) {
    size_t index = random_.below(pool_size);
    if (!byzantine_[index]) byzantine_[index] = true, ++chosen;
  }
  for (size_t v = 0; v < pool_size; ++v) {
    for (int twin = byzantine_[v] ? 0 : -1; twin <= (byzantine_[v] ? 1 : -1); ++twin) {
      Instance instance;
      instance.validator_index = v;
      instance.twin = twin;
      instance.machine = new_machine(v);
      instances_.push_back(std::move(instance));
    }
  }
}

void Simulation::schedule(uint64_t delay_ms, EventBody body) {
  size_t slot = slots_.size();
  if (free_slots_.empty()) {
    slots_.push_back(std::move(body));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = std::move(body);
  }
  events_.push(Scheduled{now_ms_ + delay_ms, sequence_++, slot});
}

void Simulation::trace(const std::string& line) const {
  if (options_.verbose) std::fprintf(stderr, "[%8llu ms] %s\n", static_cast<unsigned long long>(now_ms_), line.c_str());
}

void Simulation::violation(const std::string& message) {
  if (stop_) return;
  outcome_.safety_violation = true;
  outcome_.message = "at " + std::to_string(now_ms_) + " ms: " + message;
  stop_ = true;
}

Bytes Simulation::make_block(size_t instance_index, uint64_t height, uint32_t round) {
  const Instance& instance = instances_[instance_index];
  std::string text = "height=" + std::to_string(height) + " round=" + std::to_string(round) +
                     " proposer=" + std::to_string(instance_index) + " salt=" + std::to_string(random_.below(1000));
  // Byzantine twins sometimes propose blocks every honest node rejects.
  if (!instance.honest() && random_.chance(300'000)) text = "invalid " + text;
  return to_bytes(text);
}

bool Simulation::block_valid(const Hash& block_id, const Bytes& block) {
  static const Bytes invalid_prefix = to_bytes("invalid ");
  bool marked_invalid =
      block.size() >= invalid_prefix.size() && std::equal(invalid_prefix.begin(), invalid_prefix.end(), block.begin());
  return !marked_invalid && crypto::sha256(block) == block_id;
}

bool Simulation::link_up(size_t from, size_t to) const { return blocked_.empty() || !blocked_[from][to]; }

void Simulation::send(size_t from, size_t to, Bytes message, uint64_t extra_delay_ms) {
  outcome_.messages_sent += 1;
  if (!link_up(from, to)) return;
  if (!healed_ && random_.chance(faults_.loss_per_million)) return;
  uint64_t delay_ms = extra_delay_ms + random_.between(faults_.delay_min_ms, faults_.delay_max_ms);
  if (!healed_ && random_.chance(faults_.long_delay_per_million)) delay_ms += random_.between(500, 3000);
  if (random_.chance(faults_.duplicate_per_million))
    schedule(random_.between(faults_.delay_min_ms, faults_.delay_max_ms * 2), Deliver{from, to, message});
  schedule(delay_ms, Deliver{from, to, std::move(message)});
}

// Byzantine twins split the network: each twin talks mostly to its half of
// the honest nodes, so the halves see different proposals and votes.
void Simulation::broadcast(size_t from, Wire kind, const Bytes& payload) {
  Bytes message{static_cast<uint8_t>(kind)};
  message.insert(message.end(), payload.begin(), payload.end());
  const Instance& sender = instances_[from];
  for (size_t to = 0; to < instances_.size(); ++to) {
    if (to == from) continue;
    bool same_key = instances_[to].validator_index == sender.validator_index;
    if (!sender.honest() && !same_key && static_cast<int>(to % 2) != sender.twin && !random_.chance(250'000)) continue;
    send(from, to, message);
  }
  if (!sender.honest() && random_.chance(50'000)) broadcast_forgery(from, kind, payload);
}

// A Byzantine twin tampers with a message: flips a signature byte, claims an
// honest validator's key for its vote, or truncates it.
void Simulation::broadcast_forgery(size_t from, Wire kind, const Bytes& payload) {
  constexpr size_t signature_size_bytes = 64;
  if (payload.size() <= signature_size_bytes + 32) return;
  Bytes forged = payload;
  uint64_t how = random_.below(3);
  if (how == 0) {
    forged[forged.size() - 1 - random_.below(signature_size_bytes)] ^= static_cast<uint8_t>(1 + random_.below(255));
  } else if (how == 1 && kind == Wire::vote) {
    // The vote may be a relayed one: pick any key but the one it names.
    auto signer_key = PublicKey::from_view(ByteView(forged).subspan(forged.size() - signature_size_bytes - 32, 32));
    size_t signer_index = static_cast<size_t>(std::lower_bound(keys_.begin(), keys_.end(), signer_key) - keys_.begin());
    size_t victim_index = random_.below(keys_.size() - 1);
    if (victim_index >= signer_index) victim_index += 1;
    const PublicKey& victim = keys_[victim_index % keys_.size()];
    std::copy(victim.data.begin(), victim.data.end(), forged.end() - signature_size_bytes - 32);
  } else {
    forged.resize(random_.below(forged.size()));
  }
  Bytes message{static_cast<uint8_t>(Wire::forged), static_cast<uint8_t>(kind)};
  message.insert(message.end(), forged.begin(), forged.end());
  for (size_t to = 0; to < instances_.size(); ++to)
    if (to != from) send(from, to, message);
}

void Simulation::handle_forgery(size_t instance_index, ByteView payload) {
  Instance& instance = instances_[instance_index];
  if (payload.empty()) return;
  auto kind = static_cast<Wire>(payload[0]);
  ByteView inner = payload.subspan(1);
  Actions actions;
  Status status = error(Code::malformed, "undecodable");
  if (kind == Wire::proposal) {
    auto proposal = consensus::decode_proposal(inner);
    if (proposal.ok()) status = instance.machine->on_proposal(*proposal, actions);
  } else {
    auto vote = consensus::decode_vote(inner);
    if (vote.ok()) status = instance.machine->on_vote(*vote, actions);
  }
  outcome_.forgeries_refused += status.ok() ? 0 : 1;
  // A tampered vote can equal a genuine one only if the flip was undone, which
  // the generator never does; so acceptance means a check is missing.
  if (status.ok())
    return violation("instance " + std::to_string(instance_index) + " accepted a forged " +
                     (kind == Wire::proposal ? "proposal" : "vote") + " (" + to_hex(inner) + ")");
  perform(instance_index, actions);
}

void Simulation::maybe_sync_reply(size_t from, size_t to, uint64_t height) {
  const Instance& instance = instances_[from];
  auto decided = instance.committed.find(height);
  if (decided == instance.committed.end()) return;
  auto last = instances_[from].last_sync_reply_ms.find(to);
  if (last != instance.last_sync_reply_ms.end() && now_ms_ < last->second + sync_reply_interval_ms) return;
  instances_[from].last_sync_reply_ms[to] = now_ms_;
  codec::Writer writer;
  writer.u8(static_cast<uint8_t>(Wire::decided));
  writer.u64(height);
  writer.fixed(decided->second.block_id);
  writer.bytes(decided->second.block);
  consensus::encode_commit(writer, decided->second.certificate);
  // Catch-up is slower than gossip in a real node (it fetches blocks); while
  // faults last it takes a few seconds here, which leaves lagging validators
  // deciding on their own, where the lock rule matters.
  send(from, to, writer.take(), healed_ ? 0 : random_.between(1000, 5000));
}

void Simulation::handle_deliver(Deliver& deliver) {
  Instance& instance = instances_[deliver.to];
  if (!instance.alive) return;
  assert(!deliver.message.empty());
  auto kind = static_cast<Wire>(deliver.message[0]);
  ByteView payload = ByteView(deliver.message).subspan(1);
  Actions actions;
  uint64_t message_height = 0;
  if (kind == Wire::proposal) {
    auto proposal = consensus::decode_proposal(payload);
    if (!proposal.ok())
      return violation("a proposal from the simulator failed to decode: " + proposal.status().message());
    message_height = proposal->proposal.height;
    (void)instance.machine->on_proposal(*proposal, actions);
  } else if (kind == Wire::vote) {
    auto vote = consensus::decode_vote(payload);
    if (!vote.ok()) return violation("a vote from the simulator failed to decode: " + vote.status().message());
    message_height = vote->vote.height;
    (void)instance.machine->on_vote(*vote, actions);
  } else if (kind == Wire::forged) {
    return handle_forgery(deliver.to, payload);
  } else if (kind == Wire::status) {
    codec::Reader reader(payload);
    auto height = reader.u64();
    if (!height.ok() || !reader.finish().ok()) return violation("a status message failed to decode");
    maybe_sync_reply(deliver.to, deliver.from, *height);
    return;
  } else {
    codec::Reader reader(payload);
    auto height = reader.u64();
    auto block_id = reader.fixed<32>();
    auto block = reader.bytes(limits::block_size_bytes_max);
    auto certificate = consensus::decode_commit(reader);
    if (!height.ok() || !block_id.ok() || !block.ok() || !certificate.ok() || !reader.finish().ok())
      return violation("a decided block from the simulator failed to decode");
    consensus::Machine& machine = *instance.machine;
    if (*height != machine.height() || !machine.is_deciding() || !block_valid(*block_id, *block)) return;
    (void)machine.on_decided_block(*block_id, *block, *certificate, actions);
    perform(deliver.to, actions);
    return;
  }
  perform(deliver.to, actions);
  // A peer still deciding an older height gets the block and certificate.
  if (instance.alive && message_height < instance.committed_height() + 1)
    maybe_sync_reply(deliver.to, deliver.from, message_height);
}

void Simulation::handle_crash(const Crash& crash) {
  Instance& instance = instances_[crash.instance];
  if (!instance.alive || healed_) return;
  instance.alive = false;
  instance.incarnation += 1;
  instance.machine.reset();
  outcome_.crashes += 1;
  trace("crash instance " + std::to_string(crash.instance));
  uint64_t heal_in_ms = options_.fault_duration_ms - std::min(now_ms_, options_.fault_duration_ms);
  schedule(std::min(crash.downtime_ms, heal_in_ms), Restart{crash.instance});
}

void Simulation::restart(size_t instance_index) {
  Instance& instance = instances_[instance_index];
  if (instance.alive) return;
  auto contents = consensus::read_wal(instance.wal);
  if (!contents.ok())
    return violation("WAL of instance " + std::to_string(instance_index) +
                     " is unreadable: " + contents.status().message());
  instance.wal.resize(contents->valid_size_bytes);
  instance.alive = true;
  instance.machine = new_machine(instance.validator_index);
  if (!options_.forget_wal) instance.machine->restore(contents->records);
  trace("restart instance " + std::to_string(instance_index) + " with " + std::to_string(contents->records.size()) +
        " WAL records" + (contents->torn_tail_dropped ? " (torn tail dropped)" : ""));
  Actions actions;
  uint64_t height = instance.committed_height() + 1;
  instance.machine->start_height(height, set_for(height), actions);
  perform(instance_index, actions);
}

void Simulation::handle_partition_change() {
  if (healed_) return;
  size_t count = instances_.size();
  blocked_.assign(count, std::vector<bool>(count, false));
  uint64_t kind = random_.below(4);
  std::vector<int> side(count);
  for (int& value : side) value = static_cast<int>(random_.below(2));
  if (kind == 3) {  // isolate one instance
    std::fill(side.begin(), side.end(), 0);
    side[random_.below(count)] = 1;
  }
  for (size_t from = 0; from < count; ++from)
    for (size_t to = 0; to < count; ++to) {
      bool across = side[from] != side[to];
      // kind 0: no partition; 1 and 3: symmetric; 2: only side 0 -> side 1 is cut.
      blocked_[from][to] = across && (kind == 1 || kind == 3 || (kind == 2 && side[from] == 0));
    }
  trace("partition kind " + std::to_string(kind));
  schedule(random_.between(1000, 6000), PartitionChange{});
}

void Simulation::handle_sync_poll(size_t instance_index) {
  constexpr uint64_t sync_poll_interval_ms = 2000;
  schedule(sync_poll_interval_ms, SyncPoll{instance_index});
  const Instance& instance = instances_[instance_index];
  if (!instance.alive || instances_.size() < 2) return;
  size_t peer = random_.below(instances_.size() - 1);
  if (peer >= instance_index) peer += 1;
  codec::Writer writer;
  writer.u8(static_cast<uint8_t>(Wire::status));
  writer.u64(instance.committed_height() + 1);
  send(instance_index, peer, writer.take());
}

void Simulation::handle_heal() {
  healed_ = true;
  blocked_.clear();
  for (size_t i = 0; i < instances_.size(); ++i) restart(i);
  uint64_t highest = 0;
  for (const Instance& instance : instances_)
    if (instance.honest()) highest = std::max(highest, instance.committed_height());
  target_height_ = highest + options_.heights_after_heal;
  trace("heal; target height " + std::to_string(target_height_));
}

void Simulation::check_vote(const Instance& instance, const consensus::SignedVote& signed_vote) {
  const consensus::Vote& vote = signed_vote.vote;
  // Votes of other validators are relayed (the prevotes justifying a valid value).
  if (vote.validator != keys_[instance.validator_index] || !instance.honest()) return;
  auto key = std::tuple{instance.validator_index, vote.height, vote.round, static_cast<uint8_t>(vote.type)};
  auto [found, inserted] = honest_votes_.emplace(key, vote.block_id);
  if (!inserted && found->second != vote.block_id)
    violation("honest validator " + std::to_string(instance.validator_index) + " signed two different " +
              std::string(consensus::vote_type_name(vote.type)) + "s at height " + std::to_string(vote.height) +
              " round " + std::to_string(vote.round));
}

void Simulation::check_proposal(const Instance& instance, const consensus::SignedProposal& signed_proposal) {
  const consensus::Proposal& proposal = signed_proposal.proposal;
  if (!instance.honest()) return;
  auto key = std::tuple{instance.validator_index, proposal.height, proposal.round};
  auto [found, inserted] = honest_proposals_.emplace(key, proposal.block_id);
  if (!inserted && found->second != proposal.block_id)
    violation("honest validator " + std::to_string(instance.validator_index) +
              " signed two different proposals at height " + std::to_string(proposal.height) + " round " +
              std::to_string(proposal.round));
}

void Simulation::perform_persist(size_t instance_index, const consensus::Persist& persist, bool& crashed) {
  Instance& instance = instances_[instance_index];
  Bytes frame = consensus::encode_wal_frame(persist.record);
  bool tear = faults_.crashes && !healed_ && instance.honest() && random_.chance(faults_.torn_write_per_million);
  if (!tear) {
    instance.wal.insert(instance.wal.end(), frame.begin(), frame.end());
    return;
  }
  // The process dies in the middle of the append: part of the frame reaches
  // the disk, the sync never returns, and nothing after it is sent.
  // Sometimes the whole frame lands and the crash comes before the send.
  size_t written = random_.between(1, frame.size());
  instance.wal.insert(instance.wal.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(written));
  outcome_.torn_writes += 1;
  crashed = true;
  handle_crash(Crash{instance_index, random_.between(200, 5000)});
}

void Simulation::perform_commit(size_t instance_index, consensus::Commit& commit) {
  Instance& instance = instances_[instance_index];
  if (commit.height != instance.committed_height() + 1)
    return violation("instance " + std::to_string(instance_index) + " committed height " +
                     std::to_string(commit.height) + " out of order");
  if (instance.honest()) {
    Status status = consensus::verify_commit_certificate(commit.certificate, chain_id, commit.height, commit.block_id,
                                                         set_for(commit.height), machine_config().verifier);
    if (!status.ok()) return violation("an honest commit certificate fails: " + status.to_string());
    auto [found, inserted] = honest_decisions_.emplace(commit.height, commit.block_id);
    if (!inserted && found->second != commit.block_id)
      return violation("honest validators finalised different blocks at height " + std::to_string(commit.height) +
                       ": " + found->second.hex().substr(0, 12) + " and " + commit.block_id.hex().substr(0, 12));
  }
  trace("instance " + std::to_string(instance_index) + " commits height " + std::to_string(commit.height) + " round " +
        std::to_string(commit.certificate.round) + " block " + commit.block_id.hex().substr(0, 12));
  instance.committed[commit.height] = Decided{commit.block_id, std::move(commit.block), commit.certificate};
  instance.wal.clear();  // the block store now holds the decision
  Actions actions;
  instance.machine->start_height(commit.height + 1, set_for(commit.height + 1), actions);
  perform(instance_index, actions);
}

void Simulation::perform_evidence(size_t instance_index, const consensus::Evidence& evidence) {
  if (!instances_[instance_index].honest()) return;
  outcome_.evidence_reported += 1;
  const consensus::ValidatorSet& set = set_for(evidence.first.vote.height);
  Status status = consensus::verify_evidence(evidence, chain_id, set, machine_config().verifier);
  if (!status.ok()) return violation("evidence reported by an honest node fails: " + status.to_string());
  auto index = std::lower_bound(keys_.begin(), keys_.end(), evidence.first.vote.validator) - keys_.begin();
  if (!byzantine_[static_cast<size_t>(index)]) violation("evidence names honest validator " + std::to_string(index));
}

void Simulation::perform(size_t instance_index, Actions& actions) {
  for (consensus::Action& action : actions) {
    Instance& instance = instances_[instance_index];
    if (stop_ || !instance.alive) return;
    if (auto* persist = std::get_if<consensus::Persist>(&action)) {
      bool crashed = false;
      perform_persist(instance_index, *persist, crashed);
      if (crashed) return;
    } else if (auto* proposal = std::get_if<consensus::BroadcastProposal>(&action)) {
      check_proposal(instance, proposal->proposal);
      trace("instance " + std::to_string(instance_index) + " proposes at height " +
            std::to_string(proposal->proposal.proposal.height) + " round " +
            std::to_string(proposal->proposal.proposal.round));
      broadcast(instance_index, Wire::proposal, consensus::encode_proposal(proposal->proposal));
    } else if (auto* vote = std::get_if<consensus::BroadcastVote>(&action)) {
      check_vote(instance, vote->vote);
      if (options_.verbose)
        trace("instance " + std::to_string(instance_index) + " " +
              std::string(consensus::vote_type_name(vote->vote.vote.type)) + " h" +
              std::to_string(vote->vote.vote.height) + " r" + std::to_string(vote->vote.vote.round) + " " +
              (vote->vote.vote.block_id ? vote->vote.vote.block_id->hex().substr(0, 8) : std::string("nil")));
      broadcast(instance_index, Wire::vote, consensus::encode_vote(vote->vote));
    } else if (auto* timeout = std::get_if<consensus::ScheduleTimeout>(&action)) {
      schedule(timeout->duration_ms, TimerFire{instance_index, instance.incarnation, timeout->timeout});
    } else if (auto* request = std::get_if<consensus::RequestProposal>(&action)) {
      schedule(random_.between(1, 10),
               ProposalValue{instance_index, instance.incarnation, request->height, request->round});
    } else if (auto* request = std::get_if<consensus::RequestValidity>(&action)) {
      bool valid = block_valid(request->block_id, request->block);
      schedule(random_.between(1, 10),
               ValidityAnswer{instance_index, instance.incarnation, request->height, request->block_id, valid});
    } else if (auto* commit = std::get_if<consensus::Commit>(&action)) {
      perform_commit(instance_index, *commit);
    } else if (auto* evidence = std::get_if<consensus::ReportEvidence>(&action)) {
      perform_evidence(instance_index, evidence->evidence);
    }
  }
}

void Simulation::handle(EventBody& body) {
  Actions actions;
  if (auto* deliver = std::get_if<Deliver>(&body)) return handle_deliver(*deliver);
  if (auto* crash = std::get_if<Crash>(&body)) return handle_crash(*crash);
  if (auto* restart_event = std::get_if<Restart>(&body)) return restart(restart_event->instance);
  if (std::holds_alternative<PartitionChange>(body)) return handle_partition_change();
  if (auto* poll = std::get_if<SyncPoll>(&body)) return handle_sync_poll(poll->instance);
  if (std::holds_alternative<Heal>(body)) return handle_heal();
  size_t index = 0;
  if (auto* timer = std::get_if<TimerFire>(&body)) {
    index = timer->instance;
    Instance& instance = instances_[index];
    if (!instance.alive || instance.incarnation != timer->incarnation) return;
    instance.machine->on_timeout(timer->timeout, actions);
  } else if (auto* value = std::get_if<ProposalValue>(&body)) {
    index = value->instance;
    Instance& instance = instances_[index];
    if (!instance.alive || instance.incarnation != value->incarnation) return;
    Bytes block = make_block(index, value->height, value->round);
    Hash block_id = crypto::sha256(block);
    instance.machine->on_proposal_value(value->height, value->round, block_id, std::move(block), actions);
  } else if (auto* answer = std::get_if<ValidityAnswer>(&body)) {
    index = answer->instance;
    Instance& instance = instances_[index];
    if (!instance.alive || instance.incarnation != answer->incarnation) return;
    instance.machine->on_validity(answer->height, answer->block_id, answer->valid, actions);
  }
  perform(index, actions);
}

const consensus::ValidatorSet& Simulation::set_for(uint64_t height) const {
  constexpr uint64_t rotation_period_heights = 3;
  if (sets_.size() == 1) return sets_[0];
  return sets_[(height / rotation_period_heights) % sets_.size()];
}

bool Simulation::liveness_reached() const {
  uint64_t target = options_.scenario == Scenario::scale ? options_.scale_blocks : target_height_;
  for (const Instance& instance : instances_)
    if (instance.honest() && (!instance.alive || instance.committed_height() < target)) return false;
  return true;
}

Outcome Simulation::run() {
  assert(options_.validators >= 1 && options_.validators <= consensus::validators_max);
  choose_faults();
  create_instances();
  bool scale = options_.scenario == Scenario::scale;
  healed_ = scale;
  if (!scale) {
    if (faults_.partitions) schedule(random_.between(0, 3000), PartitionChange{});
    uint64_t crash_count = faults_.crashes ? random_.between(1, 8) : 0;
    for (uint64_t i = 0; i < crash_count; ++i) {
      size_t instance = random_.below(instances_.size());
      if (!instances_[instance].honest()) continue;
      now_ms_ = random_.below(options_.fault_duration_ms);
      schedule(0, Crash{instance, random_.between(200, 8000)});
    }
    now_ms_ = 0;
    schedule(options_.fault_duration_ms, Heal{});
  }
  for (size_t i = 0; i < instances_.size(); ++i) {
    if (!scale) schedule(random_.between(0, 2000), SyncPoll{i});
    Actions actions;
    instances_[i].machine->start_height(1, set_for(1), actions);
    perform(i, actions);
  }
  uint64_t deadline_ms = scale ? options_.liveness_bound_ms + options_.scale_blocks * 60'000
                               : options_.fault_duration_ms + options_.liveness_bound_ms;
  for (uint64_t count = 0; !stop_ && !events_.empty(); ++count) {
    Scheduled next = events_.top();
    events_.pop();
    EventBody body = std::move(slots_[next.slot]);
    free_slots_.push_back(next.slot);
    now_ms_ = next.time_ms;
    if (now_ms_ > deadline_ms || count > events_max) {
      outcome_.liveness_failure = true;
      outcome_.message = "no progress: honest validators did not reach height " +
                         std::to_string(scale ? options_.scale_blocks : target_height_) + " by " +
                         std::to_string(now_ms_) + " ms (faults healed at " +
                         std::to_string(options_.fault_duration_ms) + " ms)";
      break;
    }
    handle(body);
    if (healed_ && liveness_reached()) {
      outcome_.recovery_ms = now_ms_ - (scale ? 0 : options_.fault_duration_ms);
      break;
    }
  }
  outcome_.simulated_ms = now_ms_;
  uint64_t lowest = UINT64_MAX;
  for (const Instance& instance : instances_)
    if (instance.honest()) lowest = std::min(lowest, instance.committed_height());
  outcome_.blocks_committed = lowest;
  if (outcome_.ok())
    outcome_.message = "ok: " + std::to_string(lowest) + " blocks, " + std::to_string(faults_.byzantine) +
                       " byzantine, " + std::to_string(outcome_.crashes) + " crashes (" +
                       std::to_string(outcome_.torn_writes) + " torn), " + std::to_string(outcome_.evidence_reported) +
                       " evidence, " + std::to_string(outcome_.forgeries_refused) + " forgeries refused, loss " +
                       std::to_string(faults_.loss_per_million / 10'000) + "%" +
                       (faults_.rotate_validators ? ", rotating validators" : "");
  return outcome_;
}

Outcome run_simulation(const Options& options) {
  Simulation simulation(options);
  return simulation.run();
}

}  // namespace govchain::sim
