#include <doctest/doctest.h>

#include <algorithm>

#include "consensus/certificate.h"
#include "consensus/machine.h"
#include "consensus/messages.h"
#include "consensus/wal.h"
#include "crypto/hash.h"

using namespace govchain;
using namespace govchain::consensus;

namespace {

constexpr std::string_view chain = "govchain-test";

// Four validators with fixed secrets; index i is the i-th key in sorted order.
struct Validators {
  std::vector<FixedBytes<32>> secrets;
  std::vector<PublicKey> keys;
  ValidatorSet set;

  explicit Validators(size_t count) {
    std::vector<std::pair<PublicKey, FixedBytes<32>>> pairs;
    for (size_t i = 0; i < count; ++i) {
      FixedBytes<32> secret = crypto::sha256(to_bytes("unit-validator-" + std::to_string(i)));
      pairs.emplace_back(make_schnorr_signer(secret)->public_key(), secret);
    }
    std::sort(pairs.begin(), pairs.end());
    for (auto& [key, secret] : pairs) keys.push_back(key), secrets.push_back(secret);
    set = *ValidatorSet::create(keys);
  }
  std::unique_ptr<Signer> signer(size_t index) const { return make_schnorr_signer(secrets[index]); }
  SignedVote vote(size_t index, VoteType type, uint64_t height, uint32_t round, std::optional<Hash> block_id,
                  std::string_view chain_id = chain) const {
    return sign_vote(chain_id, Vote{type, height, round, block_id, keys[index]}, *signer(index));
  }
  SignedProposal proposal(size_t index, uint64_t height, uint32_t round, const Bytes& block,
                          std::optional<uint32_t> valid_round = std::nullopt) const {
    Proposal fields{height, round, valid_round, crypto::sha256(block), keys[index]};
    return sign_proposal(chain, fields, block, *signer(index));
  }
  CommitCertificate certificate(uint64_t height, uint32_t round, const Hash& block_id,
                                std::vector<size_t> signers) const {
    std::vector<SignedVote> precommits;
    for (size_t index : signers) precommits.push_back(vote(index, VoteType::precommit, height, round, block_id));
    return make_commit_certificate(height, round, block_id, precommits);
  }
};

const Validators& four() {
  static const Validators validators(4);
  return validators;
}

Hash block_hash(const std::string& text) { return crypto::sha256(to_bytes(text)); }

template <typename T>
std::vector<T> actions_of(const Actions& actions) {
  std::vector<T> found;
  for (const Action& action : actions)
    if (auto* item = std::get_if<T>(&action)) found.push_back(*item);
  return found;
}

// Every strict prefix of a valid encoding must be refused.
template <typename Decode>
void check_prefixes_refused(const Bytes& encoding, Decode decode) {
  for (size_t size = 0; size < encoding.size(); ++size) {
    Bytes prefix(encoding.begin(), encoding.begin() + static_cast<std::ptrdiff_t>(size));
    CHECK_FALSE(decode(prefix).ok());
  }
  Bytes longer = encoding;
  longer.push_back(0);
  CHECK_FALSE(decode(longer).ok());
}

}  // namespace

TEST_CASE("validator set: sorted, distinct, quorum and proposer rotation") {
  const Validators& validators = four();
  std::vector<PublicKey> reversed(validators.keys.rbegin(), validators.keys.rend());
  auto set = ValidatorSet::create(reversed);
  REQUIRE(set.ok());
  CHECK(set->keys() == validators.keys);
  CHECK(set->hash() == validators.set.hash());
  CHECK(set->index_of(validators.keys[2]) == 2u);
  CHECK_FALSE(set->index_of(PublicKey{}).has_value());
  std::vector<PublicKey> duplicated = {validators.keys[0], validators.keys[1], validators.keys[0]};
  CHECK(ValidatorSet::create(duplicated).status().code() == Code::invalid);
  CHECK_FALSE(ValidatorSet::create({}).ok());
  CHECK(set->quorum() == 3);
  CHECK(set->faults_tolerated() == 1);
  CHECK(set->proposer(1, 0) == validators.keys[1]);
  CHECK(set->proposer(1, 3) == validators.keys[0]);
  CHECK(set->proposer(2, 0) == validators.keys[2]);
  const size_t quorums[][2] = {{1, 1}, {3, 3}, {4, 3}, {5, 4}, {7, 5}, {10, 7}, {100, 67}};
  for (const auto& [size, quorum] : quorums) {
    std::vector<PublicKey> keys(size);
    for (size_t i = 0; i < size; ++i) keys[i] = crypto::sha256(to_bytes(std::to_string(i)));
    CHECK(ValidatorSet::create(keys)->quorum() == quorum);
  }
  auto smaller = ValidatorSet::create({validators.keys[0], validators.keys[1], validators.keys[2]});
  CHECK(smaller->hash() != set->hash());
}

TEST_CASE("validator set: encode/decode round trip, unsorted refused") {
  codec::Writer writer;
  four().set.encode(writer);
  codec::Reader reader(writer.data());
  auto decoded = ValidatorSet::decode(reader);
  REQUIRE(decoded.ok());
  CHECK(*decoded == four().set);
  codec::Writer unsorted;
  unsorted.count(2);
  unsorted.fixed(four().keys[1]);
  unsorted.fixed(four().keys[0]);
  codec::Reader unsorted_reader(unsorted.data());
  CHECK(ValidatorSet::decode(unsorted_reader).status().code() == Code::malformed);
}

TEST_CASE("vote: round trip, signature bound to the chain id, malformed refused") {
  SignedVote vote = four().vote(2, VoteType::precommit, 7, 3, block_hash("a"));
  Bytes encoding = encode_vote(vote);
  auto decoded = decode_vote(encoding);
  REQUIRE(decoded.ok());
  CHECK(*decoded == vote);
  CHECK(verify_vote_signature(chain, vote, verify_schnorr).ok());
  CHECK(verify_vote_signature("other-chain", vote, verify_schnorr).code() == Code::bad_signature);
  SignedVote nil_vote = four().vote(2, VoteType::prevote, 7, 3, std::nullopt);
  CHECK(*decode_vote(encode_vote(nil_vote)) == nil_vote);
  CHECK(vote_signing_digest(chain, nil_vote.vote) != vote_signing_digest(chain, vote.vote));
  check_prefixes_refused(encoding, [](const Bytes& bytes) { return decode_vote(bytes); });

  Bytes bad_version = encoding;
  bad_version[0] = 2;
  CHECK(decode_vote(bad_version).status().code() == Code::malformed);
  Bytes bad_type = encoding;
  bad_type[1] = 3;
  CHECK(decode_vote(bad_type).status().code() == Code::malformed);
  Bytes bad_boolean = encoding;
  bad_boolean[1 + 1 + 8 + 4] = 2;  // the block-present flag
  CHECK(decode_vote(bad_boolean).status().code() == Code::malformed);
  Bytes huge_round = encoding;
  huge_round[1 + 1 + 8] = 0xff;
  CHECK(decode_vote(huge_round).status().code() == Code::malformed);
  Bytes tampered = encoding;
  tampered[1 + 1 + 7] ^= 1;  // the height
  auto tampered_vote = decode_vote(tampered);
  REQUIRE(tampered_vote.ok());
  CHECK(verify_vote_signature(chain, *tampered_vote, verify_schnorr).code() == Code::bad_signature);
}

TEST_CASE("proposal: round trip, valid_round below round, malformed refused") {
  Bytes block = to_bytes("block one");
  SignedProposal proposal = four().proposal(1, 5, 2, block, 1u);
  Bytes encoding = encode_proposal(proposal);
  auto decoded = decode_proposal(encoding);
  REQUIRE(decoded.ok());
  CHECK(*decoded == proposal);
  CHECK(verify_proposal_signature(chain, proposal, verify_schnorr).ok());
  CHECK(verify_proposal_signature("other", proposal, verify_schnorr).code() == Code::bad_signature);
  check_prefixes_refused(encoding, [](const Bytes& bytes) { return decode_proposal(bytes); });
  Bytes same_round = encoding;
  same_round[1 + 8 + 4 + 1 + 3] = 2;  // valid_round := round
  CHECK(decode_proposal(same_round).status().code() == Code::malformed);
  SignedProposal fresh = four().proposal(1, 5, 0, block);
  CHECK(*decode_proposal(encode_proposal(fresh)) == fresh);
}

TEST_CASE("commit certificate: good, too few, duplicate, outsider, bad signature, wrong chain") {
  const Validators& validators = four();
  Hash block_id = block_hash("decided");
  CommitCertificate good = validators.certificate(9, 1, block_id, {0, 2, 3});
  CHECK(verify_commit_certificate(good, chain, 9, block_id, validators.set).ok());
  CHECK(verify_commit_certificate(good, chain, 10, block_id, validators.set).code() == Code::invalid);
  CHECK(verify_commit_certificate(good, chain, 9, block_hash("other"), validators.set).code() == Code::invalid);
  CHECK(verify_commit_certificate(good, "other-chain", 9, block_id, validators.set).code() == Code::bad_signature);

  CommitCertificate too_few = validators.certificate(9, 1, block_id, {0, 2});
  CHECK(verify_commit_certificate(too_few, chain, 9, block_id, validators.set).code() == Code::invalid);

  CommitCertificate duplicate = too_few;
  duplicate.signatures.push_back(duplicate.signatures[0]);
  Status duplicate_status = verify_commit_certificate(duplicate, chain, 9, block_id, validators.set);
  CHECK(duplicate_status.code() == Code::invalid);
  CHECK(duplicate_status.message().find("twice") != std::string::npos);

  CommitCertificate outsider = too_few;
  PublicKey stranger = make_schnorr_signer(crypto::sha256(to_bytes("stranger")))->public_key();
  outsider.signatures.push_back({stranger, sign_vote(chain, Vote{VoteType::precommit, 9, 1, block_id, stranger},
                                                     *make_schnorr_signer(crypto::sha256(to_bytes("stranger"))))
                                               .signature});
  Status outsider_status = verify_commit_certificate(outsider, chain, 9, block_id, validators.set);
  CHECK(outsider_status.code() == Code::invalid);
  CHECK(outsider_status.message().find("not a validator") != std::string::npos);

  CommitCertificate bad_signature = good;
  bad_signature.signatures[1].signature.data[10] ^= 1;
  CHECK(verify_commit_certificate(bad_signature, chain, 9, block_id, validators.set).code() == Code::bad_signature);
  CommitCertificate prevote_signatures = good;  // prevote signatures are not precommits
  for (size_t i = 0; i < 3; ++i) {
    size_t index = *validators.set.index_of(good.signatures[i].validator);
    prevote_signatures.signatures[i].signature = validators.vote(index, VoteType::prevote, 9, 1, block_id).signature;
  }
  CHECK(verify_commit_certificate(prevote_signatures, chain, 9, block_id, validators.set).code() ==
        Code::bad_signature);
}

TEST_CASE("commit certificate: encode/decode round trip, non-canonical refused") {
  CommitCertificate certificate = four().certificate(3, 0, block_hash("x"), {3, 1, 0});
  Bytes encoding = encode_commit(certificate);
  auto decoded = decode_commit(encoding);
  REQUIRE(decoded.ok());
  CHECK(*decoded == certificate);
  check_prefixes_refused(encoding, [](const Bytes& bytes) { return decode_commit(bytes); });
  Bytes trailing = encoding;
  trailing.push_back(0);
  CHECK_FALSE(decode_commit(trailing).ok());
  CommitCertificate unsorted = certificate;
  std::swap(unsorted.signatures[0], unsorted.signatures[1]);
  CHECK(decode_commit(encode_commit(unsorted)).status().code() == Code::malformed);
  CommitCertificate duplicated = certificate;
  duplicated.signatures[1] = duplicated.signatures[0];
  CHECK(decode_commit(encode_commit(duplicated)).status().code() == Code::malformed);
  Bytes huge_count = encoding;
  huge_count[8 + 4 + 32] = 0x7f;
  CHECK_FALSE(decode_commit(huge_count).ok());
  Bytes huge_round = encoding;
  huge_round[8] = 0xff;  // a round beyond round_max
  CHECK(decode_commit(huge_round).status().code() != Code::ok);
}

// Headers carry certificates and their hashes are block hashes, so the
// encoding may never change: this is it, byte by byte.
TEST_CASE("commit certificate: the wire encoding is the one blocks have always stored") {
  CommitCertificate certificate = four().certificate(0x0102030405060708, 9, block_hash("x"), {1});
  Bytes expected = {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 9};
  expected.insert(expected.end(), certificate.block_hash.data.begin(), certificate.block_hash.data.end());
  expected.insert(expected.end(), {0, 0, 0, 1});
  const CommitSignature& only = certificate.signatures.at(0);
  expected.insert(expected.end(), only.validator.data.begin(), only.validator.data.end());
  expected.insert(expected.end(), only.signature.data.begin(), only.signature.data.end());
  CHECK(encode_commit(certificate) == expected);
}

TEST_CASE("commit certificate: its signatures are the precommits themselves") {
  const Validators& validators = four();
  Hash block_id = block_hash("decided");
  PublicKey signer = validators.keys[2];
  CHECK(precommit_signing_digest(chain, 42, 3, block_id, signer) ==
        vote_signing_digest(chain, Vote{VoteType::precommit, 42, 3, block_id, signer}));
  CHECK(precommit_signing_digest(chain, 42, 4, block_id, signer) !=
        vote_signing_digest(chain, Vote{VoteType::precommit, 42, 3, block_id, signer}));
  // A single validator's own certificate (the dev chain) verifies for a
  // set of one, and for nothing larger.
  CommitCertificate own = sign_commit_certificate(chain, 7, block_id, *validators.signer(2));
  auto alone = ValidatorSet::create({signer});
  REQUIRE(alone.ok());
  CHECK(verify_commit_certificate(own, chain, 7, block_id, *alone).ok());
  CHECK(verify_commit_certificate(own, chain, 7, block_id, validators.set).code() == Code::invalid);
}

TEST_CASE("evidence: conflicting votes verify; anything else does not") {
  const Validators& validators = four();
  SignedVote for_a = validators.vote(3, VoteType::prevote, 4, 2, block_hash("a"));
  SignedVote for_nil = validators.vote(3, VoteType::prevote, 4, 2, std::nullopt);
  Evidence evidence = make_evidence(for_a, for_nil);
  CHECK(make_evidence(for_nil, for_a) == evidence);
  CHECK(verify_evidence(evidence, chain, validators.set).ok());
  CHECK(verify_evidence(evidence, "other-chain", validators.set).code() == Code::bad_signature);
  auto decoded = decode_evidence(encode_evidence(evidence));
  REQUIRE(decoded.ok());
  CHECK(*decoded == evidence);
  check_prefixes_refused(encode_evidence(evidence), [](const Bytes& bytes) { return decode_evidence(bytes); });

  Evidence swapped{evidence.second, evidence.first};
  CHECK(verify_evidence(swapped, chain, validators.set).code() == Code::invalid);
  CHECK(decode_evidence(encode_evidence(swapped)).status().code() == Code::malformed);
  SignedVote other_round = validators.vote(3, VoteType::prevote, 4, 3, std::nullopt);
  CHECK_FALSE(votes_conflict(for_a.vote, other_round.vote));
  SignedVote precommit = validators.vote(3, VoteType::precommit, 4, 2, std::nullopt);
  CHECK_FALSE(votes_conflict(for_a.vote, precommit.vote));
  SignedVote other_validator = validators.vote(2, VoteType::prevote, 4, 2, std::nullopt);
  CHECK_FALSE(votes_conflict(for_a.vote, other_validator.vote));
  Evidence forged = evidence;
  forged.second.signature.data[0] ^= 1;
  CHECK(verify_evidence(forged, chain, validators.set).code() == Code::bad_signature);
  auto three = ValidatorSet::create({validators.keys[0], validators.keys[1], validators.keys[2]});
  CHECK(verify_evidence(evidence, chain, *three).code() == Code::invalid);
}

TEST_CASE("WAL: frames round trip; a torn last frame is dropped; corruption inside is refused") {
  const Validators& validators = four();
  Bytes block = to_bytes("locked block");
  std::vector<WalRecord> records = {
      wal_record_for_proposal(validators.proposal(0, 3, 1, block)),
      wal_record_for_vote(validators.vote(0, VoteType::prevote, 3, 1, crypto::sha256(block)), {}),
      wal_record_for_vote(validators.vote(0, VoteType::precommit, 3, 1, crypto::sha256(block)), block,
                          {validators.vote(1, VoteType::prevote, 3, 1, crypto::sha256(block)),
                           validators.vote(2, VoteType::prevote, 3, 1, crypto::sha256(block))}),
  };
  WalRecord wrong_justification = records[2];
  wrong_justification.prevotes[0] = validators.vote(1, VoteType::prevote, 3, 0, crypto::sha256(block));
  CHECK(decode_wal_record(encode_wal_record(wrong_justification)).status().code() == Code::malformed);
  Bytes file;
  std::vector<size_t> frame_ends;
  for (const WalRecord& record : records) {
    Bytes frame = encode_wal_frame(record);
    file.insert(file.end(), frame.begin(), frame.end());
    frame_ends.push_back(file.size());
    CHECK(*decode_wal_record(encode_wal_record(record)) == record);
  }
  auto whole = read_wal(file);
  REQUIRE(whole.ok());
  CHECK(whole->records == records);
  CHECK_FALSE(whole->torn_tail_dropped);
  CHECK(whole->valid_size_bytes == file.size());

  for (size_t size = frame_ends[1] + 1; size < file.size(); ++size) {
    auto torn = read_wal(ByteView(file).first(size));
    REQUIRE(torn.ok());
    CHECK(torn->torn_tail_dropped);
    CHECK(torn->records.size() == 2);
    CHECK(torn->valid_size_bytes == frame_ends[1]);
  }
  Bytes flipped_tail = file;
  flipped_tail.back() ^= 1;
  auto flipped = read_wal(flipped_tail);
  REQUIRE(flipped.ok());
  CHECK(flipped->torn_tail_dropped);
  CHECK(flipped->records.size() == 2);

  Bytes corrupt_middle = file;
  corrupt_middle[frame_ends[0] + 20] ^= 1;
  CHECK(read_wal(corrupt_middle).status().code() == Code::corruption);
  CHECK(read_wal(Bytes{}).ok());
  CHECK_FALSE(decode_wal_record(to_bytes("\x01\x09")).ok());
}

namespace {

Config test_config(bool ignore_lock = false) {
  Config config;
  config.chain_id = std::string(chain);
  config.test_only_ignore_lock = ignore_lock;
  return config;
}

std::vector<SignedVote> own_votes(const Actions& actions, const PublicKey& key) {
  std::vector<SignedVote> votes;
  for (const BroadcastVote& broadcast : actions_of<BroadcastVote>(actions))
    if (broadcast.vote.vote.validator == key) votes.push_back(broadcast.vote);
  return votes;
}

// Drives validator 0 of `four` through height 1, round 0 until it locks on
// block A (the proposal of validator 1), then through a nil round-0 commit
// phase into round 1. Records everything it persisted in `wal`.
struct LockScenario {
  const Validators& validators = four();
  Bytes block_a = to_bytes("block A");
  Bytes block_b = to_bytes("block B");
  Hash id_a = crypto::sha256(block_a);
  Hash id_b = crypto::sha256(block_b);
  std::vector<WalRecord> wal;

  void keep_wal(const Actions& actions) {
    for (const Persist& persist : actions_of<Persist>(actions)) wal.push_back(persist.record);
  }

  void lock_on_a(Machine& machine) {
    Actions out;
    machine.start_height(1, validators.set, out);
    CHECK(actions_of<RequestProposal>(out).empty());  // validator 1 proposes round 0
    CHECK(machine.on_proposal(validators.proposal(1, 1, 0, block_a), out).ok());
    REQUIRE(actions_of<RequestValidity>(out).size() == 1);
    machine.on_validity(1, id_a, true, out);
    auto prevotes = own_votes(out, validators.keys[0]);
    REQUIRE(prevotes.size() == 1);
    CHECK(prevotes[0].vote.block_id == id_a);
    for (size_t index : {1, 2}) CHECK(machine.on_vote(validators.vote(index, VoteType::prevote, 1, 0, id_a), out).ok());
    CHECK(machine.locked_round() == 0u);
    CHECK(machine.locked_block_id() == id_a);
    CHECK(machine.step() == Step::precommit);
    keep_wal(out);
    REQUIRE(wal.size() == 2);
    CHECK(wal[1].block == block_a);      // the precommit record carries the locked block
    CHECK(wal[1].prevotes.size() == 3);  // and the quorum of prevotes that justified the lock
  }

  void nil_precommits_then_next_round(Machine& machine, uint32_t round, Actions& out) {
    for (size_t index : {1, 2, 3})
      (void)machine.on_vote(validators.vote(index, VoteType::precommit, 1, round, std::nullopt), out);
    auto timeouts = actions_of<ScheduleTimeout>(out);
    auto precommit_timeout = std::find_if(timeouts.begin(), timeouts.end(), [&](const ScheduleTimeout& timeout) {
      return timeout.timeout.kind == Timeout::Kind::precommit && timeout.timeout.round == round;
    });
    REQUIRE(precommit_timeout != timeouts.end());
    machine.on_timeout(precommit_timeout->timeout, out);
    CHECK(machine.round() == round + 1);
  }
};

}  // namespace

TEST_CASE("machine: a locked validator prevotes nil for another fresh value") {
  LockScenario scenario;
  Machine machine(test_config(), scenario.validators.signer(0));
  scenario.lock_on_a(machine);
  Actions out;
  scenario.nil_precommits_then_next_round(machine, 0, out);
  out.clear();
  CHECK(machine.on_proposal(scenario.validators.proposal(2, 1, 1, scenario.block_b), out).ok());
  machine.on_validity(1, scenario.id_b, true, out);
  auto prevotes = own_votes(out, scenario.validators.keys[0]);
  REQUIRE(prevotes.size() == 1);
  CHECK(prevotes[0].vote.round == 1);
  CHECK_FALSE(prevotes[0].vote.block_id.has_value());
  CHECK(machine.locked_block_id() == scenario.id_a);
}

TEST_CASE("machine: the broken variant ignores the lock (what the simulator self-test catches)") {
  LockScenario scenario;
  Machine machine(test_config(true), scenario.validators.signer(0));
  scenario.lock_on_a(machine);
  Actions out;
  scenario.nil_precommits_then_next_round(machine, 0, out);
  out.clear();
  (void)machine.on_proposal(scenario.validators.proposal(2, 1, 1, scenario.block_b), out);
  machine.on_validity(1, scenario.id_b, true, out);
  auto prevotes = own_votes(out, scenario.validators.keys[0]);
  REQUIRE(prevotes.size() == 1);
  CHECK(prevotes[0].vote.block_id == scenario.id_b);
}

TEST_CASE("machine: a later polka (valid_round >= locked round) unlocks, and precommits decide") {
  LockScenario scenario;
  const Validators& validators = scenario.validators;
  Machine machine(test_config(), validators.signer(0));
  scenario.lock_on_a(machine);
  Actions out;
  scenario.nil_precommits_then_next_round(machine, 0, out);
  // Round 1: validator 0 misses the proposal and prevotes nil on timeout.
  machine.on_timeout(Timeout{Timeout::Kind::propose, 1, 1}, out);
  scenario.nil_precommits_then_next_round(machine, 1, out);
  // Round-1 prevotes for B arrive late; then validator 3 re-proposes B with valid_round 1.
  for (size_t index : {1, 2, 3})
    CHECK(machine.on_vote(validators.vote(index, VoteType::prevote, 1, 1, scenario.id_b), out).ok());
  out.clear();
  CHECK(machine.on_proposal(validators.proposal(3, 1, 2, scenario.block_b, 1u), out).ok());
  machine.on_validity(1, scenario.id_b, true, out);
  auto prevotes = own_votes(out, validators.keys[0]);
  REQUIRE(prevotes.size() == 1);
  CHECK(prevotes[0].vote.block_id == scenario.id_b);
  CHECK(prevotes[0].vote.round == 2);

  out.clear();
  for (size_t index : {1, 2, 3})
    (void)machine.on_vote(validators.vote(index, VoteType::precommit, 1, 2, scenario.id_b), out);
  auto commits = actions_of<Commit>(out);
  REQUIRE(commits.size() == 1);
  CHECK(commits[0].height == 1);
  CHECK(commits[0].block_id == scenario.id_b);
  CHECK(commits[0].block == scenario.block_b);
  CHECK(verify_commit_certificate(commits[0].certificate, chain, 1, scenario.id_b, validators.set).ok());
  CHECK_FALSE(machine.is_deciding());
}

TEST_CASE("machine: restart from the WAL keeps the lock and never signs a conflicting vote") {
  LockScenario scenario;
  const Validators& validators = scenario.validators;
  {
    Machine original(test_config(), validators.signer(0));
    scenario.lock_on_a(original);
  }
  Bytes file;
  for (const WalRecord& record : scenario.wal) {
    Bytes frame = encode_wal_frame(record);
    file.insert(file.end(), frame.begin(), frame.end());
  }
  auto contents = read_wal(file);
  REQUIRE(contents.ok());
  Machine restarted(test_config(), validators.signer(0));
  restarted.restore(contents->records);
  Actions out;
  restarted.start_height(1, validators.set, out);
  CHECK(restarted.round() == 0);
  CHECK(restarted.step() == Step::precommit);
  CHECK(restarted.locked_round() == 0u);
  CHECK(restarted.locked_block_id() == scenario.id_a);
  CHECK(actions_of<Persist>(out).empty());  // nothing new was signed
  // A nil-prevote timeout for round 0 must not produce a second, different prevote.
  restarted.on_timeout(Timeout{Timeout::Kind::propose, 1, 0}, out);
  restarted.on_timeout(Timeout{Timeout::Kind::prevote, 1, 0}, out);
  for (const SignedVote& vote : own_votes(out, validators.keys[0])) CHECK(vote.vote.block_id == scenario.id_a);
  scenario.nil_precommits_then_next_round(restarted, 0, out);
  out.clear();
  (void)restarted.on_proposal(validators.proposal(2, 1, 1, scenario.block_b), out);
  restarted.on_validity(1, scenario.id_b, true, out);
  auto prevotes = own_votes(out, validators.keys[0]);
  REQUIRE(prevotes.size() == 1);
  CHECK_FALSE(prevotes[0].vote.block_id.has_value());
}

TEST_CASE("machine: the proposer asks for a value, persists and broadcasts its proposal") {
  const Validators& validators = four();
  Machine machine(test_config(), validators.signer(1));
  Actions out;
  machine.start_height(1, validators.set, out);
  auto requests = actions_of<RequestProposal>(out);
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].height == 1);
  out.clear();
  Bytes block = to_bytes("new block");
  machine.on_proposal_value(1, 0, crypto::sha256(block), block, out);
  REQUIRE(out.size() >= 4);
  CHECK(std::holds_alternative<Persist>(out[0]));  // persisted before it is sent
  CHECK(std::holds_alternative<BroadcastProposal>(out[1]));
  CHECK(std::holds_alternative<Persist>(out[2]));
  CHECK(std::holds_alternative<BroadcastVote>(out[3]));
  CHECK(std::get<BroadcastProposal>(out[1]).proposal.proposal.block_id == crypto::sha256(block));
  CHECK(std::get<BroadcastVote>(out[3]).vote.vote.block_id == crypto::sha256(block));
}

TEST_CASE("machine: refuses bad signatures, outsiders and wrong proposers; reports equivocation") {
  const Validators& validators = four();
  Machine machine(test_config(), validators.signer(0));
  Actions out;
  machine.start_height(1, validators.set, out);
  SignedVote forged = validators.vote(2, VoteType::prevote, 1, 0, std::nullopt);
  forged.signature.data[5] ^= 1;
  CHECK(machine.on_vote(forged, out).code() == Code::bad_signature);
  SignedVote other_chain = validators.vote(2, VoteType::prevote, 1, 0, std::nullopt, "other-chain");
  CHECK(machine.on_vote(other_chain, out).code() == Code::bad_signature);
  auto stranger = make_schnorr_signer(crypto::sha256(to_bytes("stranger")));
  SignedVote outsider =
      sign_vote(chain, Vote{VoteType::prevote, 1, 0, std::nullopt, stranger->public_key()}, *stranger);
  CHECK(machine.on_vote(outsider, out).code() == Code::unauthorized);
  CHECK(machine.on_proposal(validators.proposal(2, 1, 0, to_bytes("x")), out).code() == Code::unauthorized);
  CHECK(machine.on_vote(validators.vote(2, VoteType::prevote, 2, 0, std::nullopt), out).code() ==
        Code::invalid_argument);

  out.clear();
  CHECK(machine.on_vote(validators.vote(3, VoteType::prevote, 1, 0, block_hash("a")), out).ok());
  CHECK(machine.on_vote(validators.vote(3, VoteType::prevote, 1, 0, block_hash("b")), out).ok());
  auto evidence = actions_of<ReportEvidence>(out);
  REQUIRE(evidence.size() == 1);
  CHECK(verify_evidence(evidence[0].evidence, chain, validators.set).ok());
  CHECK(evidence[0].evidence.first.vote.validator == validators.keys[3]);
}

TEST_CASE("machine: f+1 validators in a higher round make it skip ahead") {
  const Validators& validators = four();
  Machine machine(test_config(), validators.signer(0));
  Actions out;
  machine.start_height(1, validators.set, out);
  (void)machine.on_vote(validators.vote(2, VoteType::prevote, 1, 5, std::nullopt), out);
  CHECK(machine.round() == 0);
  (void)machine.on_vote(validators.vote(3, VoteType::precommit, 1, 7, std::nullopt), out);
  CHECK(machine.round() == 5);
}

TEST_CASE("machine: a decided block with a valid certificate commits; a bad one is refused") {
  const Validators& validators = four();
  Machine machine(test_config(), validators.signer(0));
  Actions out;
  machine.start_height(1, validators.set, out);
  Bytes block = to_bytes("synced block");
  Hash block_id = crypto::sha256(block);
  CommitCertificate too_few = validators.certificate(1, 3, block_id, {1, 2});
  CHECK(machine.on_decided_block(block_id, block, too_few, out).code() == Code::invalid);
  CHECK(machine.is_deciding());
  out.clear();
  CHECK(machine.on_decided_block(block_id, block, validators.certificate(1, 3, block_id, {1, 2, 3}), out).ok());
  REQUIRE(actions_of<Commit>(out).size() == 1);
  CHECK_FALSE(machine.is_deciding());
  machine.start_height(2, validators.set, out);
  CHECK(machine.height() == 2);
  CHECK(machine.round() == 0);
}

TEST_CASE("machine: outside the height's validator set it follows without voting; the next set applies") {
  const Validators& validators = four();
  auto others = ValidatorSet::create({validators.keys[1], validators.keys[2], validators.keys[3]});
  REQUIRE(others.ok());
  Machine machine(test_config(), validators.signer(0));
  Actions out;
  machine.start_height(1, *others, out);
  Bytes block = to_bytes("block without validator 0");
  Hash block_id = crypto::sha256(block);
  size_t proposer = *validators.set.index_of(others->proposer(1, 0));
  CHECK(machine.on_proposal(validators.proposal(proposer, 1, 0, block), out).ok());
  machine.on_validity(1, block_id, true, out);
  for (VoteType type : {VoteType::prevote, VoteType::precommit})
    for (size_t index : {1, 2, 3}) CHECK(machine.on_vote(validators.vote(index, type, 1, 0, block_id), out).ok());
  CHECK(actions_of<Persist>(out).empty());
  CHECK(own_votes(out, validators.keys[0]).empty());
  auto commits = actions_of<Commit>(out);
  REQUIRE(commits.size() == 1);
  CHECK(verify_commit_certificate(commits[0].certificate, chain, 1, block_id, *others).ok());
  CHECK(commits[0].certificate.signatures.size() == 3);
  out.clear();
  machine.start_height(2, validators.set, out);
  CHECK(machine.on_vote(validators.vote(1, VoteType::prevote, 2, 0, std::nullopt), out).ok());
  machine.on_timeout(Timeout{Timeout::Kind::propose, 2, 0}, out);
  CHECK(own_votes(out, validators.keys[0]).size() == 1);
}

TEST_CASE("machine: out-of-range rounds built in memory are refused, not asserted on") {
  const Validators& validators = four();
  Machine machine(test_config(), validators.signer(0));
  Actions out;
  machine.start_height(1, validators.set, out);
  SignedVote far = validators.vote(1, VoteType::prevote, 1, round_max + 1, std::nullopt);
  CHECK(machine.on_vote(far, out).code() == Code::malformed);
  size_t proposer = *validators.set.index_of(validators.set.proposer(1, 2));
  Bytes block = to_bytes("b");
  Proposal bad_valid_round{1, 2, 2u, crypto::sha256(block), validators.keys[proposer]};
  SignedProposal signed_bad{bad_valid_round, block,
                            validators.signer(proposer)->sign(proposal_signing_digest(chain, bad_valid_round))};
  CHECK(machine.on_proposal(signed_bad, out).code() == Code::malformed);
  CHECK(machine.round() == 0);
}

TEST_CASE("machine: its own vote echoed by the network joins the guard (a lost WAL signs nothing new)") {
  LockScenario scenario;
  const Validators& validators = scenario.validators;
  Machine original(test_config(), validators.signer(0));
  Actions out;
  original.start_height(1, validators.set, out);
  (void)original.on_proposal(validators.proposal(1, 1, 0, scenario.block_a), out);
  original.on_validity(1, scenario.id_a, true, out);
  auto first = own_votes(out, validators.keys[0]);
  REQUIRE(first.size() == 1);

  Machine amnesiac(test_config(), validators.signer(0));  // restarted without its WAL
  Actions later;
  amnesiac.start_height(1, validators.set, later);
  CHECK(amnesiac.on_vote(first[0], later).ok());
  amnesiac.on_timeout(Timeout{Timeout::Kind::propose, 1, 0}, later);
  auto resent = own_votes(later, validators.keys[0]);
  REQUIRE(resent.size() == 1);
  CHECK(resent[0] == first[0]);  // not a nil prevote
  auto persisted = actions_of<Persist>(later);
  REQUIRE(persisted.size() == 1);  // the adopted vote goes to the WAL once
  CHECK(persisted[0].record.vote == first[0]);
}
