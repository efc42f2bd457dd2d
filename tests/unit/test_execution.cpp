#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "chain/checked_tx.h"
#include "consensus/certificate.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"
#include "execution/evidence.h"
#include "execution/executor.h"
#include "execution/governance.h"
#include "execution/state_keys.h"
#include "execution/validator_governance.h"

using namespace govchain;

namespace {

// The executor takes transactions checked once where they enter the node.
chain::CheckedTx checked(const chain::Tx& tx) {
  auto result = chain::check_tx(tx, {.chain_id = tx.chain_id, .tx_size_bytes_max = limits::tx_size_bytes_max});
  REQUIRE_MESSAGE(result.ok(), result.status().to_string());
  return *result;
}

struct Fixture {
  crypto::KeyPair admin = crypto::generate_key_pair();
  crypto::KeyPair office = crypto::generate_key_pair();
  chain::Genesis genesis;
  execution::EmptyState empty;
  execution::Overlay state{empty};
  std::unique_ptr<execution::Executor> executor;
  execution::BlockContext context{"test-chain", 1, 1000, PublicKey{}};

  Fixture() {
    genesis.chain_id = "test-chain";
    genesis.municipalities.push_back({"dev-city", "Dev City", admin.public_key});
    genesis.municipalities.push_back({"other-town", "Other Town", office.public_key});
    genesis.validators.push_back({"dev-city", admin.public_key});
    executor = std::make_unique<execution::Executor>("test-chain", genesis.parameters);
    REQUIRE(executor->apply_genesis(state, genesis).ok());
  }

  chain::Tx grant(const crypto::KeyPair& sender, uint64_t nonce, const PublicKey& account,
                  std::string municipality = "dev-city") {
    chain::Tx tx;
    tx.chain_id = "test-chain";
    tx.sender = sender.public_key;
    tx.nonce = nonce;
    tx.gas_limit = 1'000'000;
    tx.action = chain::RoleGrant{std::move(municipality), "registration_office", account};
    chain::sign_tx(tx, sender.secret);
    return tx;
  }

  Result<chain::Receipt> run(const chain::Tx& tx) {
    return executor->execute_tx(state, checked(tx), context, 0);
  }
};

}  // namespace

TEST_CASE("the admin grants and revokes roles of its municipality") {
  Fixture fixture;
  auto account = crypto::generate_key_pair().public_key;
  auto receipt = fixture.run(fixture.grant(fixture.admin, 0, account));
  REQUIRE(receipt.ok());
  CHECK(receipt->status == Code::ok);
  execution::Governance governance(fixture.state);
  CHECK(*governance.has_role(account, "dev-city", "registration_office"));
  CHECK_FALSE(*governance.has_role(account, "other-town", "registration_office"));

  chain::Tx revoke;
  revoke.chain_id = "test-chain";
  revoke.sender = fixture.admin.public_key;
  revoke.nonce = 1;
  revoke.gas_limit = 1'000'000;
  revoke.action = chain::RoleRevoke{"dev-city", "registration_office", account};
  chain::sign_tx(revoke, fixture.admin.secret);
  REQUIRE(fixture.run(revoke)->status == Code::ok);
  CHECK_FALSE(*governance.has_role(account, "dev-city", "registration_office"));
}

TEST_CASE("another municipality's admin is refused, consumes the nonce and writes nothing else") {
  Fixture fixture;
  auto account = crypto::generate_key_pair().public_key;
  auto receipt = fixture.run(fixture.grant(fixture.office, 0, account, "dev-city"));
  REQUIRE(receipt.ok());
  CHECK(receipt->status == Code::unauthorized);
  CHECK(receipt->gas_used > 0);
  execution::Governance governance(fixture.state);
  CHECK_FALSE(*governance.has_role(account, "dev-city", "registration_office"));
  CHECK(*execution::read_nonce(fixture.state, fixture.office.public_key) == 1);
}

TEST_CASE("nonces: replay and future nonces never run") {
  Fixture fixture;
  auto account = crypto::generate_key_pair().public_key;
  chain::Tx first = fixture.grant(fixture.admin, 0, account);
  REQUIRE(fixture.run(first).ok());
  CHECK(fixture.run(first).status().code() == Code::nonce_too_low);
  chain::Tx future = fixture.grant(fixture.admin, 5, crypto::generate_key_pair().public_key);
  CHECK(fixture.run(future).status().code() == Code::nonce_too_high);
  size_t size = chain::encode_tx(future).size();
  CHECK(fixture.executor->check_tx(fixture.state, future, size, true).ok());
}

TEST_CASE("gas limit below the intrinsic cost is refused") {
  Fixture fixture;
  chain::Tx tx = fixture.grant(fixture.admin, 0, crypto::generate_key_pair().public_key);
  tx.gas_limit = 10;
  chain::sign_tx(tx, fixture.admin.secret);
  CHECK(fixture.run(tx).status().code() == Code::out_of_gas);
}

TEST_CASE("overlay checkpoints revert writes") {
  execution::EmptyState empty;
  execution::Overlay overlay(empty);
  overlay.set(to_bytes("a"), to_bytes("1"));
  size_t checkpoint = overlay.checkpoint();
  overlay.set(to_bytes("a"), to_bytes("2"));
  overlay.set(to_bytes("b"), to_bytes("3"));
  overlay.erase(to_bytes("a"));
  overlay.revert(checkpoint);
  CHECK(**overlay.get(to_bytes("a")) == to_bytes("1"));
  CHECK_FALSE(overlay.get(to_bytes("b"))->has_value());
  auto changes = overlay.changes();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].key == to_bytes("a"));
}

TEST_CASE("same transactions give the same state on two executors") {
  Fixture first;
  Fixture second;
  second.admin = first.admin;
  second.genesis = first.genesis;
  execution::EmptyState empty;
  execution::Overlay state(empty);
  REQUIRE(second.executor->apply_genesis(state, first.genesis).ok());
  auto account = crypto::generate_key_pair().public_key;
  chain::Tx tx = first.grant(first.admin, 0, account);
  REQUIRE(first.run(tx).ok());
  REQUIRE(second.executor->execute_tx(state, checked(tx), second.context, 0).ok());
  auto left = first.state.changes();
  auto right = state.changes();
  REQUIRE(left.size() == right.size());
  for (size_t i = 0; i < left.size(); ++i) {
    CHECK(left[i].key == right[i].key);
    CHECK(left[i].value == right[i].value);
  }
}

namespace {

// Two validators; `cheater` signs two prevotes for one height and round.
struct EvidenceFixture {
  crypto::KeyPair reporter = crypto::generate_key_pair();
  crypto::KeyPair cheater = crypto::generate_key_pair();
  crypto::KeyPair outsider = crypto::generate_key_pair();
  chain::Genesis genesis;
  execution::EmptyState empty;
  execution::Overlay state{empty};
  std::unique_ptr<execution::Executor> executor;
  execution::BlockContext context{"test-chain", 9, 1000, PublicKey{}};

  EvidenceFixture() {
    genesis.chain_id = "test-chain";
    genesis.municipalities.push_back({"dev-city", "Dev City", reporter.public_key});
    genesis.validators.push_back({"dev-city", reporter.public_key});
    genesis.validators.push_back({"dev-city", cheater.public_key});
    executor = std::make_unique<execution::Executor>("test-chain", genesis.parameters);
    REQUIRE(executor->apply_genesis(state, genesis).ok());
  }

  Bytes evidence(std::string_view chain_id = "test-chain", bool conflicting = true) const {
    auto signer = consensus::make_schnorr_signer(cheater.secret);
    consensus::Vote one{consensus::VoteType::prevote, 7, 2, crypto::sha256(std::string("block a")), cheater.public_key};
    consensus::Vote other = one;
    if (conflicting) other.block_id = crypto::sha256(std::string("block b"));
    auto first = consensus::sign_vote(chain_id, one, *signer);
    auto second = consensus::sign_vote(chain_id, other, *signer);
    if (!conflicting) {
      consensus::Evidence same{first, second};
      return consensus::encode_evidence(same);
    }
    return consensus::encode_evidence(consensus::make_evidence(first, second));
  }

  Result<chain::Receipt> report(const crypto::KeyPair& sender, uint64_t nonce, Bytes bytes) {
    chain::Tx tx;
    tx.chain_id = "test-chain";
    tx.sender = sender.public_key;
    tx.nonce = nonce;
    tx.gas_limit = 200'000;
    tx.action = chain::EvidenceReport{std::move(bytes)};
    chain::sign_tx(tx, sender.secret);
    REQUIRE(chain::check_tx_stateless(tx, "test-chain", chain::encode_tx(tx).size()).ok());
    CHECK(*chain::decode_tx(chain::encode_tx(tx)) == tx);
    return executor->execute_tx(state, checked(tx), context, 0);
  }
};

}  // namespace

TEST_CASE("equivocation evidence reported by a validator is verified and recorded once") {
  EvidenceFixture fixture;
  Bytes evidence = fixture.evidence();
  auto receipt = fixture.report(fixture.reporter, 0, evidence);
  REQUIRE(receipt.ok());
  REQUIRE_MESSAGE(receipt->status == Code::ok, receipt->message);
  REQUIRE(receipt->events.size() == 1);
  CHECK(receipt->events[0].topic == "evidence_recorded");

  auto hashes = execution::read_evidence_list(fixture.state);
  REQUIRE(hashes.ok());
  REQUIRE(hashes->size() == 1);
  auto record = execution::read_evidence(fixture.state, hashes->front());
  REQUIRE(record.ok());
  REQUIRE(record->has_value());
  CHECK((*record)->validator == fixture.cheater.public_key);
  CHECK((*record)->vote_height == 7);
  CHECK((*record)->recorded_height == 9);
  CHECK((*record)->reporter == fixture.reporter.public_key);
  CHECK((*record)->evidence == evidence);

  SUBCASE("the same evidence again is refused in the receipt, and nothing changes") {
    auto again = fixture.report(fixture.cheater, 0, evidence);
    REQUIRE(again.ok());
    CHECK(again->status == Code::already_exists);
    CHECK(execution::read_evidence_list(fixture.state)->size() == 1);
  }
}

TEST_CASE("evidence reports that must not be recorded") {
  EvidenceFixture fixture;
  SUBCASE("from an account that is not a validator") {
    CHECK(fixture.report(fixture.outsider, 0, fixture.evidence())->status == Code::unauthorized);
  }
  SUBCASE("votes signed for another chain") {
    CHECK(fixture.report(fixture.reporter, 0, fixture.evidence("other-chain"))->status == Code::bad_signature);
  }
  SUBCASE("two votes that do not conflict") {
    CHECK(fixture.report(fixture.reporter, 0, fixture.evidence("test-chain", false))->status != Code::ok);
  }
  SUBCASE("bytes that are not evidence") {
    CHECK(fixture.report(fixture.reporter, 0, to_bytes("not evidence"))->status == Code::malformed);
  }
  CHECK(execution::read_evidence_list(fixture.state)->empty());
}

// ---- validator set governance -----------------------------------------------

namespace {

struct MembersFixture {
  static constexpr size_t members = 5;
  std::vector<crypto::KeyPair> admins;
  std::vector<crypto::KeyPair> nodes;
  chain::Genesis genesis;
  execution::EmptyState empty;
  execution::Overlay state{empty};
  std::unique_ptr<execution::Executor> executor;
  std::map<PublicKey, uint64_t> nonces;

  MembersFixture() {
    genesis.chain_id = "test-chain";
    genesis.parameters.validator_change_delay_blocks = 3;
    genesis.parameters.validator_proposal_ttl_blocks = 50;
    for (size_t i = 0; i < members; ++i) {
      admins.push_back(crypto::generate_key_pair());
      nodes.push_back(crypto::generate_key_pair());
      std::string id = "member-" + std::to_string(i);
      genesis.municipalities.push_back({id, "Member " + std::to_string(i), admins[i].public_key});
      genesis.validators.push_back({id, nodes[i].public_key});
    }
    executor = std::make_unique<execution::Executor>("test-chain", genesis.parameters);
    REQUIRE(executor->apply_genesis(state, genesis).ok());
  }

  chain::Receipt send(const crypto::KeyPair& sender, chain::Action action, uint64_t height) {
    chain::Tx tx;
    tx.chain_id = "test-chain";
    tx.sender = sender.public_key;
    tx.nonce = nonces[sender.public_key]++;
    tx.gas_limit = 1'000'000;
    tx.action = std::move(action);
    chain::sign_tx(tx, sender.secret);
    size_t size_bytes = chain::encode_tx(tx).size();
    REQUIRE(chain::check_tx_stateless(tx, "test-chain", size_bytes).ok());
    REQUIRE(*chain::decode_tx(chain::encode_tx(tx)) == tx);
    execution::BlockContext context{"test-chain", height, static_cast<int64_t>(height) * 1000, PublicKey{}};
    auto receipt = executor->execute_tx(state, checked(tx), context, 0);
    REQUIRE(receipt.ok());
    return *receipt;
  }

  chain::Receipt vote(size_t admin, uint64_t id, bool approve, uint64_t height) {
    return send(admins[admin], chain::ValidatorVote{id, approve}, height);
  }

  std::vector<uint64_t> end_block(uint64_t height) {
    execution::BlockContext context{"test-chain", height, static_cast<int64_t>(height) * 1000, PublicKey{}};
    auto applied = executor->end_block(state, context);
    REQUIRE(applied.ok());
    return *applied;
  }

  execution::ValidatorProposalRecord proposal(uint64_t id) {
    auto record = execution::read_validator_proposal(state, id);
    REQUIRE(record.ok());
    REQUIRE(record->has_value());
    return **record;
  }
};

chain::Action add_new_member(const PublicKey& node, const PublicKey& admin) {
  return chain::ValidatorProposal{chain::ValidatorChangeKind::add, "newtown", "New Town", admin, node};
}

}  // namespace

TEST_CASE("a new member is voted in by more than two thirds and validates from the activation height") {
  MembersFixture fixture;
  auto node = crypto::generate_key_pair();
  auto admin = crypto::generate_key_pair();
  auto proposed = fixture.send(fixture.admins[0], add_new_member(node.public_key, admin.public_key), 10);
  REQUIRE_MESSAGE(proposed.status == Code::ok, proposed.message);
  REQUIRE(proposed.events.size() == 1);
  CHECK(proposed.events[0].topic == "validator_proposed");
  CHECK(fixture.proposal(1).approvals == std::vector<std::string>{"member-0"});

  CHECK(fixture.vote(1, 1, true, 11).status == Code::ok);
  CHECK(fixture.vote(2, 1, true, 11).status == Code::ok);
  // Three of five is not more than two thirds.
  CHECK(fixture.proposal(1).status == execution::ProposalStatus::open);
  CHECK(execution::read_admitted_node_keys(fixture.state)->size() == 5);
  CHECK(fixture.vote(3, 1, true, 12).status == Code::ok);
  auto approved = fixture.proposal(1);
  CHECK(approved.status == execution::ProposalStatus::approved);
  CHECK(approved.decided_height == 12);
  CHECK(approved.activation_height == 15);
  // The joining node may connect and sync before it validates.
  auto admitted = *execution::read_admitted_node_keys(fixture.state);
  CHECK(std::find(admitted.begin(), admitted.end(), node.public_key) != admitted.end());
  CHECK(fixture.vote(4, 1, true, 12).status == Code::invalid);  // already decided

  CHECK(fixture.end_block(12).empty());
  CHECK(fixture.end_block(13).empty());
  CHECK(execution::read_validators(fixture.state)->size() == 5);
  // The end of block 14 changes the set that decides block 15.
  CHECK(fixture.end_block(14) == std::vector<uint64_t>{1});
  auto validators = *execution::read_validator_entries(fixture.state);
  REQUIRE(validators.size() == 6);
  // The layout light clients decode (sdk/client/state_layout.h, docs/state.md):
  // u32 count, then sorted (32-byte key, u32 length + municipality id).
  Bytes expected_layout = {0, 0, 0, 6};
  std::sort(validators.begin(), validators.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  for (const auto& entry : validators) {
    expected_layout.insert(expected_layout.end(), entry.key.data.begin(), entry.key.data.end());
    expected_layout.insert(expected_layout.end(), {0, 0, 0, static_cast<uint8_t>(entry.municipality.size())});
    expected_layout.insert(expected_layout.end(), entry.municipality.begin(), entry.municipality.end());
  }
  CHECK(**fixture.state.get(execution::keys::validators()) == expected_layout);
  CHECK(std::count(validators.begin(), validators.end(), execution::ValidatorEntry{node.public_key, "newtown"}) == 1);
  CHECK(execution::read_members(fixture.state)->size() == 6);
  execution::Governance governance(fixture.state);
  CHECK(*governance.is_admin(admin.public_key, "newtown"));
  CHECK(fixture.proposal(1).status == execution::ProposalStatus::activated);
  CHECK(execution::read_pending_validator_proposals(fixture.state)->empty());

  SUBCASE("the new member votes, and six members need five approvals") {
    auto removal = fixture.send(admin, chain::ValidatorProposal{chain::ValidatorChangeKind::remove, "member-4", "", {}, {}}, 20);
    REQUIRE_MESSAGE(removal.status == Code::ok, removal.message);
    for (size_t i = 0; i < 3; ++i) CHECK(fixture.vote(i, 2, true, 21).status == Code::ok);
    CHECK(fixture.proposal(2).status == execution::ProposalStatus::open);  // 4 of 6
    CHECK(fixture.vote(3, 2, true, 21).status == Code::ok);                // 5 of 6
    CHECK(fixture.proposal(2).activation_height == 24);
    CHECK(fixture.end_block(23) == std::vector<uint64_t>{2});
    auto keys = *execution::read_validators(fixture.state);
    CHECK(keys.size() == 5);
    CHECK(std::find(keys.begin(), keys.end(), fixture.nodes[4].public_key) == keys.end());
    // A removed validator's municipality stays a member.
    CHECK(execution::read_members(fixture.state)->size() == 6);
  }
}

TEST_CASE("validator votes that are refused") {
  MembersFixture fixture;
  auto node = crypto::generate_key_pair();
  REQUIRE(fixture.send(fixture.admins[0], add_new_member(node.public_key, node.public_key), 10).status == Code::ok);
  auto outsider = crypto::generate_key_pair();
  CHECK(fixture.send(outsider, chain::ValidatorVote{1, true}, 11).status == Code::unauthorized);
  CHECK(fixture.vote(0, 1, true, 11).status == Code::already_exists);  // the proposer approved already
  CHECK(fixture.vote(1, 7, true, 11).status == Code::not_found);
  CHECK(fixture.proposal(1).approvals.size() == 1);
  CHECK(fixture.proposal(1).rejections.empty());
}

TEST_CASE("a proposal that can no longer reach two thirds is rejected; an undecided one expires") {
  MembersFixture fixture;
  auto node = crypto::generate_key_pair();
  REQUIRE(fixture.send(fixture.admins[0], add_new_member(node.public_key, node.public_key), 10).status == Code::ok);
  CHECK(fixture.vote(1, 1, false, 11).status == Code::ok);
  CHECK(fixture.proposal(1).status == execution::ProposalStatus::open);  // 4 approvals still possible
  CHECK(fixture.vote(2, 1, false, 11).status == Code::ok);
  CHECK(fixture.proposal(1).status == execution::ProposalStatus::rejected);
  CHECK(execution::read_pending_validator_proposals(fixture.state)->empty());

  auto again = fixture.send(fixture.admins[1], add_new_member(node.public_key, node.public_key), 12);
  REQUIRE_MESSAGE(again.status == Code::ok, again.message);
  CHECK(fixture.end_block(61).empty());
  CHECK(fixture.proposal(2).status == execution::ProposalStatus::open);
  CHECK(fixture.end_block(62).empty());
  CHECK(fixture.proposal(2).status == execution::ProposalStatus::expired);
  CHECK(fixture.vote(3, 2, true, 63).status == Code::invalid);
  CHECK(execution::read_validators(fixture.state)->size() == 5);
}

TEST_CASE("validator changes that cannot be proposed") {
  MembersFixture fixture;
  auto fresh = crypto::generate_key_pair().public_key;
  auto propose = [&](chain::ValidatorProposal change) { return fixture.send(fixture.admins[0], change, 10).status; };
  using Kind = chain::ValidatorChangeKind;
  CHECK(propose({Kind::add, "member-1", "", {}, fresh}) == Code::already_exists);  // has a validator
  CHECK(propose({Kind::add, "newtown", "New Town", fresh, fixture.nodes[2].public_key}) == Code::already_exists);
  CHECK(propose({Kind::add, "newtown", "", {}, fresh}) == Code::not_found);  // a new member needs name and admin
  CHECK(propose({Kind::remove, "newtown", "", {}, {}}) == Code::not_found);
  CHECK(fixture.send(crypto::generate_key_pair(), chain::ValidatorProposal{Kind::remove, "member-1", "", {}, {}}, 10)
            .status == Code::unauthorized);
  CHECK(propose({Kind::remove, "member-1", "", {}, {}}) == Code::ok);
  CHECK(propose({Kind::remove, "member-1", "", {}, {}}) == Code::already_exists);  // one pending per municipality
  CHECK(propose({Kind::add, "newtown", "New Town", fresh, fresh}) == Code::ok);
  CHECK(propose({Kind::add, "othertown", "Other Town", fresh, fresh}) == Code::already_exists);  // same node key

  SUBCASE("stateless checks") {
    chain::Tx tx;
    tx.chain_id = "test-chain";
    tx.gas_limit = 1'000'000;
    tx.action = chain::ValidatorProposal{Kind::remove, "member-1", "", {}, fresh};
    auto signer = crypto::generate_key_pair();
    tx.sender = signer.public_key;
    chain::sign_tx(tx, signer.secret);
    CHECK(chain::check_tx_stateless(tx, "test-chain", 200).code() == Code::invalid);
    tx.action = chain::ValidatorProposal{Kind::add, "newtown", "New Town", {}, fresh};
    chain::sign_tx(tx, signer.secret);
    CHECK(chain::check_tx_stateless(tx, "test-chain", 200).code() == Code::invalid);
    tx.action = chain::ValidatorProposal{Kind::add, "New Town!", "", {}, fresh};
    chain::sign_tx(tx, signer.secret);
    CHECK(chain::check_tx_stateless(tx, "test-chain", 200).code() == Code::invalid);
  }
}

TEST_CASE("a single-validator dev chain does not change its validator set") {
  Fixture fixture;
  auto node = crypto::generate_key_pair().public_key;
  chain::Tx tx;
  tx.chain_id = "test-chain";
  tx.sender = fixture.admin.public_key;
  tx.gas_limit = 1'000'000;
  tx.action = chain::ValidatorProposal{chain::ValidatorChangeKind::add, "other-town", "", {}, node};
  chain::sign_tx(tx, fixture.admin.secret);
  auto receipt = fixture.run(tx);
  REQUIRE(receipt.ok());
  CHECK(receipt->status == Code::invalid);
  CHECK(receipt->message.find("dev") != std::string::npos);
}
