// libFuzzer target: drives one consensus state machine (validator 0 of 4)
// with an arbitrary sequence of signed proposals and votes from the other
// validators (any round, any block, equivocating at will), timeouts,
// application answers and crash-restarts from its own WAL. Checks that it
// never crashes, never signs two different votes or proposals for one slot
// (also across restarts), and that every commit carries a valid certificate.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <tuple>

#include "consensus/machine.h"
#include "crypto/hash.h"

using namespace govchain;
using namespace govchain::consensus;

namespace {

constexpr std::string_view chain = "fuzz";
constexpr size_t validator_count = 4;

void require(bool condition) {
  if (!condition) std::abort();
}

// A cheap stand-in for BIP340 (as in the simulator): the fuzzer plays all
// other validators, so it needs their keys anyway.
Signature stand_in_signature(const PublicKey& key, const Hash& digest) {
  Bytes message = key.bytes();
  message.insert(message.end(), digest.data.begin(), digest.data.end());
  Signature signature;
  Hash hash = crypto::sha256(message);
  std::copy(hash.data.begin(), hash.data.end(), signature.data.begin());
  return signature;
}
bool stand_in_verify(const PublicKey& key, const Hash& digest, const Signature& signature) {
  return stand_in_signature(key, digest) == signature;
}
class StandInSigner final : public Signer {
 public:
  explicit StandInSigner(PublicKey key) : key_(key) {}
  const PublicKey& public_key() const override { return key_; }
  Signature sign(const Hash& digest) const override { return stand_in_signature(key_, digest); }

 private:
  PublicKey key_;
};

struct Harness {
  std::vector<PublicKey> keys;
  ValidatorSet set;
  std::unique_ptr<Machine> machine;
  std::vector<WalRecord> wal;
  std::map<std::tuple<uint64_t, uint32_t, uint8_t>, std::optional<Hash>> signed_votes;
  std::map<std::pair<uint64_t, uint32_t>, Hash> signed_proposals;
  uint64_t committed_height = 0;

  Harness() {
    for (size_t i = 0; i < validator_count; ++i) keys.push_back(crypto::sha256(to_bytes("fuzz-" + std::to_string(i))));
    set = *ValidatorSet::create(keys);
    keys = set.keys();
    start(false);
  }

  Config config() const {
    Config config;
    config.chain_id = std::string(chain);
    config.verifier = stand_in_verify;
    return config;
  }

  void start(bool restore) {
    machine = std::make_unique<Machine>(config(), std::make_unique<StandInSigner>(keys[0]));
    if (restore) machine->restore(wal);
    Actions out;
    machine->start_height(committed_height + 1, set, out);
    perform(out);
  }

  void perform(Actions& actions) {
    for (Action& action : actions) {
      if (auto* persist = std::get_if<Persist>(&action)) wal.push_back(persist->record);
      if (auto* vote = std::get_if<BroadcastVote>(&action)) check_vote(vote->vote);
      if (auto* proposal = std::get_if<BroadcastProposal>(&action)) {
        const Proposal& fields = proposal->proposal.proposal;
        auto [found, inserted] = signed_proposals.emplace(std::pair{fields.height, fields.round}, fields.block_id);
        require(inserted || found->second == fields.block_id);
      }
      if (auto* commit = std::get_if<Commit>(&action)) {
        require(commit->height == committed_height + 1);
        require(verify_commit_certificate(commit->certificate, chain, commit->height, commit->block_id, set,
                                          stand_in_verify)
                    .ok());
        committed_height = commit->height;
        wal.clear();
        Actions next;
        machine->start_height(committed_height + 1, set, next);
        perform(next);
      }
      if (auto* evidence = std::get_if<ReportEvidence>(&action))
        require(verify_evidence(evidence->evidence, chain, set, stand_in_verify).ok());
    }
  }

  void check_vote(const SignedVote& signed_vote) {
    const Vote& vote = signed_vote.vote;
    if (vote.validator != keys[0]) return;  // a relayed prevote
    auto key = std::tuple{vote.height, vote.round, static_cast<uint8_t>(vote.type)};
    auto [found, inserted] = signed_votes.emplace(key, vote.block_id);
    require(inserted || found->second == vote.block_id);
  }
};

Bytes block_for(uint8_t choice) { return to_bytes("block " + std::to_string(choice % 3)); }

void step(Harness& harness, const uint8_t* op) {
  Machine& machine = *harness.machine;
  uint64_t height = machine.height();
  uint32_t round = op[2] % 6;
  Bytes block = block_for(op[3]);
  Hash block_id = crypto::sha256(block);
  size_t validator = 1 + op[1] % (validator_count - 1);
  Actions out;
  switch (op[0] % 7) {
    case 0:
    case 1: {
      std::optional<Hash> target = op[3] % 4 == 3 ? std::nullopt : std::optional(block_id);
      VoteType type = op[0] % 7 == 0 ? VoteType::prevote : VoteType::precommit;
      Vote vote{type, height, round, target, harness.keys[validator]};
      (void)machine.on_vote(sign_vote(chain, vote, StandInSigner(harness.keys[validator])), out);
      break;
    }
    case 2: {
      const PublicKey& proposer = harness.set.proposer(height, round);
      std::optional<uint32_t> valid_round;
      if (op[1] % 2 == 1 && round > 0) valid_round = op[1] / 2 % round;
      Proposal proposal{height, round, valid_round, block_id, proposer};
      (void)machine.on_proposal(sign_proposal(chain, proposal, block, StandInSigner(proposer)), out);
      break;
    }
    case 3:
      machine.on_timeout(Timeout{static_cast<Timeout::Kind>(1 + op[1] % 4), height, round}, out);
      break;
    case 4:
      machine.on_validity(height, block_id, op[1] % 5 != 0, out);
      break;
    case 5:
      machine.on_proposal_value(height, machine.round(), block_id, block, out);
      break;
    case 6:
      harness.start(true);
      return;
  }
  harness.perform(out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t op_size_bytes = 4;
  constexpr size_t ops_max = 512;
  Harness harness;
  for (size_t i = 0; i + op_size_bytes <= size && i / op_size_bytes < ops_max; i += op_size_bytes)
    step(harness, data + i);
  return 0;
}
