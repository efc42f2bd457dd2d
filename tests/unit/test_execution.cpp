#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>

#include "chain/checked_tx.h"
#include "chain/text.h"
#include "consensus/certificate.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"
#include "execution/accounts.h"
#include "execution/consortium_governance.h"
#include "execution/contract_store.h"
#include "execution/evidence.h"
#include "execution/executor.h"
#include "execution/governance.h"
#include "execution/state_keys.h"
#include "execution/validator_governance.h"
#include "execution/wasm_host.h"
#include "runtime/testing/wasm_writer.h"
#include "state/state_tree.h"
#include "storage/store.h"

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

  Result<chain::Receipt> run(const chain::Tx& tx) { return executor->execute_tx(state, checked(tx), context, 0); }
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
    auto removal =
        fixture.send(admin, chain::ValidatorProposal{chain::ValidatorChangeKind::remove, "member-4", "", {}, {}}, 20);
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

// ---- limits checked where the input enters -----------------------------------
//
// A small contract assembled by hand (no tools needed): "put" stores a value
// whose key and value lengths come from the call's first eight bytes
// (little-endian i32 each, key and value bytes from memory), "reg" and
// "unreg" register and unregister the caller as a known account.

namespace {

// The smallest ABI the node accepts at deploy (node/execution/abi_check.h):
// it names no methods, so nothing of the hand-assembled module is checked.
const std::string minimal_abi = R"({"abi_version": 1, "methods": []})";

void put_wasm_name(Bytes& out, std::string_view name) {
  runtime::testing::put_unsigned(out, static_cast<uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
}

void put_section(Bytes& out, uint8_t id, const Bytes& content) {
  out.push_back(id);
  runtime::testing::put_unsigned(out, static_cast<uint32_t>(content.size()));
  out.insert(out.end(), content.begin(), content.end());
}

// The test contract, padded with a custom section to `size_bytes` (at
// least its natural size, about 300 bytes).
Bytes test_contract(size_t size_bytes = 0, uint8_t variant = 0) {
  constexpr uint8_t i32 = 0x7F, i64 = 0x7E;
  Bytes module{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  Bytes types{4, 0x60, 1, i32, 0, 0x60, 4, i32, i32, i32, i32, 0, 0x60, 2, i32, i64, 0, 0x60, 0, 0};
  put_section(module, 1, types);
  Bytes imports{5};
  const std::pair<const char*, uint8_t> imported[] = {
      {"input_read", 0}, {"storage_set", 1}, {"caller", 0}, {"account_register", 2}, {"account_unregister", 0}};
  for (const auto& [name, type] : imported) {
    put_wasm_name(imports, "govchain");
    put_wasm_name(imports, name);
    imports.push_back(0x00);
    imports.push_back(type);
  }
  put_section(module, 2, imports);
  put_section(module, 3, Bytes{3, 3, 3, 3});
  put_section(module, 5, Bytes{1, 0, 2});  // memory: 2 pages (128 KiB)
  Bytes exports{4};
  const std::pair<const char*, std::pair<uint8_t, uint8_t>> exported[] = {
      {"memory", {2, 0}}, {"put", {0, 5}}, {"reg", {0, 6}}, {"unreg", {0, 7}}};
  for (const auto& [name, entry] : exported) {
    put_wasm_name(exports, name);
    exports.push_back(entry.first);
    exports.push_back(entry.second);
  }
  put_section(module, 7, exports);
  // put: input_read(0); storage_set(8, load(0), 8, load(4))
  Bytes put{0x00, 0x41, 0x00, 0x10, 0x00, 0x41, 0x08, 0x41, 0x00, 0x28, 0x02,
            0x00, 0x41, 0x08, 0x41, 0x04, 0x28, 0x02, 0x00, 0x10, 0x01, 0x0B};
  // reg: caller(0); account_register(0, 2100-01-01)
  Bytes reg{0x00, 0x41, 0x00, 0x10, 0x02, 0x41, 0x00, 0x42};
  runtime::testing::put_signed(reg, 4'102'444'800'000);
  reg.insert(reg.end(), {0x10, 0x03, 0x0B});
  // unreg: caller(0); account_unregister(0)
  Bytes unreg{0x00, 0x41, 0x00, 0x10, 0x02, 0x41, 0x00, 0x10, 0x04, 0x0B};
  Bytes code{3};
  for (const Bytes* body : {&put, &reg, &unreg}) {
    runtime::testing::put_unsigned(code, static_cast<uint32_t>(body->size()));
    code.insert(code.end(), body->begin(), body->end());
  }
  put_section(module, 10, code);
  // A custom section: pads the module and makes variants differ in hash.
  Bytes custom;
  put_wasm_name(custom, "pad");
  custom.push_back(variant);
  size_t header = 1 + 3;  // id and a length of up to three LEB bytes
  if (size_bytes > module.size() + custom.size() + header) custom.resize(size_bytes - module.size() - header, 0);
  Bytes padded = module;
  padded.push_back(0x00);
  Bytes length;
  runtime::testing::put_unsigned(length, static_cast<uint32_t>(custom.size()));
  while (length.size() < 3) {  // a fixed three-byte LEB keeps the size exact
    length.back() |= 0x80;
    length.push_back(0x00);
  }
  padded.insert(padded.end(), length.begin(), length.end());
  padded.insert(padded.end(), custom.begin(), custom.end());
  return padded;
}

Bytes put_arguments(uint32_t key_size_bytes, uint32_t value_size_bytes) {
  Bytes arguments(8);
  for (int i = 0; i < 4; ++i) {
    arguments[static_cast<size_t>(i)] = static_cast<uint8_t>(key_size_bytes >> (8 * i));
    arguments[static_cast<size_t>(4 + i)] = static_cast<uint8_t>(value_size_bytes >> (8 * i));
  }
  return arguments;
}

// A chain of `members` municipalities with the WebAssembly host, a shared
// contract "shared" (deployed at genesis) and a role holder in member-0.
struct ChainFixture {
  std::vector<crypto::KeyPair> admins;
  std::vector<crypto::KeyPair> nodes;
  crypto::KeyPair office = crypto::generate_key_pair();
  chain::Genesis genesis;
  execution::WasmContractHost host;
  execution::EmptyState empty;
  execution::Overlay state{empty};
  std::unique_ptr<execution::Executor> executor;
  std::map<PublicKey, uint64_t> nonces;
  uint64_t height = 1;

  explicit ChainFixture(size_t members = 5) {
    genesis.chain_id = "test-chain";
    genesis.genesis_time_ms = 1'800'000'000'000;
    genesis.parameters.validator_change_delay_blocks = 3;
    genesis.parameters.validator_proposal_ttl_blocks = 50;
    for (size_t i = 0; i < members; ++i) {
      admins.push_back(crypto::generate_key_pair());
      nodes.push_back(crypto::generate_key_pair());
      std::string id = "member-" + std::to_string(i);
      genesis.municipalities.push_back({id, "Member " + std::to_string(i), admins[i].public_key});
      genesis.validators.push_back({id, nodes[i].public_key});
    }
    genesis.roles.push_back({"member-0", "archive", office.public_key});
    genesis.contracts.push_back({"shared", "member-0", test_contract(), minimal_abi});
    executor = std::make_unique<execution::Executor>("test-chain", genesis.parameters, &host);
    REQUIRE(executor->apply_genesis(state, genesis).ok());
  }

  execution::BlockContext context() const {
    return {"test-chain", height, genesis.genesis_time_ms + static_cast<int64_t>(height) * 1000, PublicKey{}};
  }

  // Signs and checks the transaction as admission would; nullopt when the
  // stateless checks refuse it (with the status in `refused`).
  std::optional<chain::Tx> admit(const crypto::KeyPair& sender, chain::Action action, Status* refused = nullptr) {
    chain::Tx tx;
    tx.chain_id = "test-chain";
    tx.sender = sender.public_key;
    tx.nonce = nonces[sender.public_key];
    tx.gas_limit = 40'000'000;
    tx.action = std::move(action);
    chain::sign_tx(tx, sender.secret);
    Status checked = chain::check_tx_stateless(tx, "test-chain", chain::encode_tx(tx).size());
    if (refused != nullptr) *refused = checked;
    if (!checked.ok()) return std::nullopt;
    ++nonces[sender.public_key];
    return tx;
  }

  chain::Receipt send(const crypto::KeyPair& sender, chain::Action action) {
    Status refused;
    auto tx = admit(sender, std::move(action), &refused);
    REQUIRE_MESSAGE(tx.has_value(), refused.to_string());
    auto receipt = executor->execute_tx(state, checked(*tx), context(), 0);
    REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
    return *receipt;
  }

  // Ends the current block and starts the next one.
  std::vector<uint64_t> end_block() {
    auto applied = executor->end_block(state, context());
    REQUIRE_MESSAGE(applied.ok(), applied.status().to_string());
    ++height;
    return *applied;
  }

  execution::ContractRecord record(const std::string& name) {
    auto found = execution::read_contract_record(state, name);
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    return **found;
  }
};

chain::Action call(std::string contract, std::string method, Bytes arguments = {}) {
  return chain::ContractCall{std::move(contract), std::move(method), std::move(arguments)};
}

chain::Action deploy(std::string name, std::string municipality, Bytes code, std::string abi = minimal_abi) {
  return chain::ContractDeploy{std::move(name), std::move(municipality), std::move(code), std::move(abi)};
}

chain::Action upgrade_proposal(std::string name, Bytes code, std::string abi = "") {
  return chain::ContractProposal{chain::ContractChangeKind::upgrade, std::move(name), std::move(code), std::move(abi),
                                 ""};
}

chain::Action deploy_proposal(std::string name, Bytes code, std::string abi = minimal_abi) {
  return chain::ContractProposal{chain::ContractChangeKind::deploy, std::move(name), std::move(code), std::move(abi),
                                 ""};
}

chain::Action owner_proposal(std::string name, std::string owner) {
  return chain::ContractProposal{chain::ContractChangeKind::owner, std::move(name), {}, "", std::move(owner)};
}

}  // namespace

TEST_CASE("storage keys and values are checked with the node's prefix at the host call") {
  ChainFixture chain;
  const size_t key_max = execution::contract_storage_key_size_bytes_max;
  // The longest key of the longest name still fits the state tree.
  CHECK(execution::keys::contract_storage(std::string(64, 'n'), Bytes(key_max)).size() ==
        limits::state_key_size_bytes_max);
  CHECK(chain.send(chain.office, call("shared", "put", put_arguments(key_max, 10))).status == Code::ok);
  auto too_long = chain.send(chain.office, call("shared", "put", put_arguments(key_max + 1, 10)));
  CHECK(too_long.status == Code::trap);
  CHECK(too_long.message.find("storage key longer than 955 bytes") != std::string::npos);
  CHECK(chain.send(chain.office, call("shared", "put", put_arguments(4, 65536))).status == Code::ok);
  CHECK(chain.send(chain.office, call("shared", "put", put_arguments(5, 65537))).status == Code::trap);
  // The failed calls wrote nothing; the block goes on.
  for (const auto& change : chain.state.changes()) {
    CHECK(change.key.size() <= limits::state_key_size_bytes_max);
    CHECK((!change.value || change.value->size() <= limits::state_value_size_bytes_max));
  }
  CHECK_FALSE(chain.state.get(execution::keys::contract_storage("shared", Bytes(5)))->has_value());
  CHECK(chain.send(chain.office, call("shared", "put", put_arguments(1, 1))).status == Code::ok);
}

TEST_CASE("a module near the transaction size limit is stored in chunks") {
  ChainFixture chain;
  Bytes code = test_contract(100 * 1024, 1);
  REQUIRE(code.size() == 100 * 1024);
  auto receipt = chain.send(chain.admins[0], deploy("member-0.big", "member-0", code));
  REQUIRE_MESSAGE(receipt.status == Code::ok, receipt.message);
  Hash code_hash = crypto::sha256(ByteView(code));
  CHECK(chain.record("member-0.big").history.back().code_hash == code_hash);
  for (const auto& change : chain.state.changes())
    CHECK((!change.value || change.value->size() <= limits::state_value_size_bytes_max));
  auto stored = execution::read_contract_code(chain.state, code_hash);
  REQUIRE(stored.ok());
  CHECK(**stored == code);
  CHECK(chain.send(chain.office, call("member-0.big", "put", put_arguments(3, 3))).status == Code::ok);

  SUBCASE("a module over the payload limit is refused before it runs") {
    Status refused;
    CHECK_FALSE(chain.admit(chain.admins[0], deploy("member-0.huge", "member-0", test_contract(121 * 1024)), &refused));
    CHECK(refused.code() == Code::too_large);
  }
  SUBCASE("an ABI over 32 KiB is refused at admission") {
    Status refused;
    std::string abi = "\"" + std::string(chain::abi_size_bytes_max, 'a') + "\"";
    CHECK_FALSE(chain.admit(chain.admins[0], deploy("member-0.abi", "member-0", test_contract(), abi), &refused));
    CHECK(refused.code() == Code::invalid);
  }
}

TEST_CASE("contract records stay bounded: history and contracts per municipality") {
  ChainFixture chain(1);
  for (size_t version = 1; version < execution::contract_history_max; ++version) {
    chain::ContractDeploy upgrade{"member-0.app", "member-0", test_contract(0, static_cast<uint8_t>(version % 7)), ""};
    REQUIRE(chain.host.deploy(chain.state, upgrade, chain.context()).ok());
  }
  CHECK(chain.record("member-0.app").history.size() == execution::contract_history_max - 1);
  CHECK(chain.send(chain.admins[0], deploy("member-0.app", "member-0", test_contract())).status == Code::ok);
  auto full = chain.send(chain.admins[0], deploy("member-0.app", "member-0", test_contract()));
  CHECK(full.status == Code::resource_exhausted);
  CHECK(execution::encode_contract_record(chain.record("member-0.app")).size() <= limits::state_value_size_bytes_max);
  // member-0.app and the shared one exist; fill the namespace.
  for (size_t i = 1; i < execution::contracts_per_municipality_max; ++i)
    REQUIRE(
        chain.host
            .deploy(chain.state, {"member-0.c" + std::to_string(i), "member-0", test_contract(), ""}, chain.context())
            .ok());
  CHECK(chain.send(chain.admins[0], deploy("member-0.one-more", "member-0", test_contract())).status ==
        Code::resource_exhausted);
}

TEST_CASE("the contract list stays within one state value") {
  ChainFixture chain(1);
  // "shared" exists; fill the list with the longest names.
  for (size_t i = 1; i < execution::contracts_max; ++i) {
    std::string name = std::to_string(i);
    name += std::string(chain::name_size_bytes_max - name.size(), 'x');
    REQUIRE(chain.host.deploy(chain.state, {name, "member-0", test_contract(), ""}, chain.context()).ok());
  }
  auto list = chain.state.get(execution::keys::contract_list());
  REQUIRE(list.ok());
  CHECK((*list)->size() <= limits::state_value_size_bytes_max);
  CHECK(execution::read_contract_names(chain.state)->size() == execution::contracts_max);
  Status full = chain.host.deploy(chain.state, {"one-more", "member-0", test_contract(), ""}, chain.context());
  CHECK(full.code() == Code::resource_exhausted);
}

TEST_CASE("a municipality deploys its own namespace; shared contracts only by vote") {
  ChainFixture chain;
  CHECK(chain.record("shared").shared);
  CHECK(chain.send(chain.admins[1], deploy("member-1.parking", "member-1", test_contract())).status == Code::ok);
  CHECK_FALSE(chain.record("member-1.parking").shared);
  CHECK(chain.send(chain.admins[1], deploy("member-1.parking", "member-1", test_contract(0, 2))).status == Code::ok);
  CHECK(chain.record("member-1.parking").history.size() == 2);
  // The attack: one member's admin overwrites a contract all members use.
  auto upgrade = chain.send(chain.admins[0], deploy("shared", "member-0", test_contract(0, 3)));
  CHECK(upgrade.status == Code::unauthorized);
  CHECK(upgrade.message.find("vote") != std::string::npos);
  CHECK(chain.send(chain.admins[0], deploy("newname", "member-0", test_contract())).status == Code::unauthorized);
  CHECK(chain.send(chain.admins[0], deploy("member-1.parking", "member-0", test_contract())).status ==
        Code::unauthorized);
  CHECK(chain.send(chain.admins[0], deploy("member-1.other", "member-1", test_contract())).status ==
        Code::unauthorized);
  CHECK(chain.record("shared").history.size() == 1);
}

TEST_CASE("more than two thirds of the members upgrade a shared contract at the announced height") {
  ChainFixture chain;
  Bytes next = test_contract(0, 9);
  auto proposed = chain.send(chain.admins[0], upgrade_proposal("shared", next));
  REQUIRE_MESSAGE(proposed.status == Code::ok, proposed.message);
  REQUIRE(proposed.events.size() == 1);
  CHECK(proposed.events[0].topic == "contract_proposed");
  auto vote = [&](size_t admin, bool approve) {
    return chain.send(chain.admins[admin], chain::ContractVote{1, approve}).status;
  };
  CHECK(vote(0, true) == Code::already_exists);  // the proposer approved with the proposal
  CHECK(chain.send(chain.office, chain::ContractVote{1, true}).status == Code::unauthorized);
  CHECK(vote(1, true) == Code::ok);
  CHECK(vote(2, true) == Code::ok);
  auto record = execution::read_contract_proposal(chain.state, 1);
  CHECK((*record)->status == execution::ContractProposalStatus::open);  // 3 of 5
  CHECK(vote(3, true) == Code::ok);                                     // 4 of 5
  record = execution::read_contract_proposal(chain.state, 1);
  REQUIRE((*record)->status == execution::ContractProposalStatus::approved);
  const uint64_t activation = (*record)->activation_height;
  CHECK(activation == chain.height + 3);
  const Hash old_hash = chain.record("shared").history.back().code_hash;
  while (chain.height + 1 < activation) {
    chain.end_block();
    CHECK(chain.record("shared").history.back().code_hash == old_hash);
  }
  chain.end_block();  // the end of block activation - 1 applies it
  CHECK(chain.height == activation);
  CHECK(chain.record("shared").history.back().code_hash == crypto::sha256(ByteView(next)));
  CHECK(chain.record("shared").history.back().height == activation - 1);
  CHECK(execution::read_pending_contract_proposals(chain.state)->empty());
  CHECK((*execution::read_contract_proposal(chain.state, 1))->status == execution::ContractProposalStatus::activated);
  // The staged code is gone from state; the contract runs the new code.
  CHECK_FALSE(chain.state.get(execution::keys::contract_proposal_code(1))->has_value());
  CHECK(chain.send(chain.office, call("shared", "put", put_arguments(2, 2))).status == Code::ok);
}

TEST_CASE("shared contracts: a new one, a hand-over, a rejection and an expiry") {
  ChainFixture chain;
  auto approve_all = [&](uint64_t id) {
    for (size_t admin = 1; admin < 4; ++admin)
      REQUIRE(chain.send(chain.admins[admin], chain::ContractVote{id, true}).status == Code::ok);
  };
  SUBCASE("a new shared contract needs a plain name and is deployed at the activation height") {
    CHECK(chain.send(chain.admins[0], deploy_proposal("member-0.x", test_contract())).status == Code::invalid);
    CHECK(chain.send(chain.admins[0], deploy_proposal("shared", test_contract())).status == Code::already_exists);
    CHECK(chain.send(chain.admins[0], deploy_proposal("landlord", Bytes{0, 'a', 's', 'm'})).status != Code::ok);
    REQUIRE(chain.send(chain.admins[0], deploy_proposal("landlord", test_contract(0, 4))).status == Code::ok);
    CHECK(chain.send(chain.admins[2], deploy_proposal("landlord", test_contract(0, 5))).status ==
          Code::already_exists);  // one pending proposal per contract
    approve_all(1);
    for (int block = 0; block < 3; ++block) {
      CHECK_FALSE(execution::read_contract_record(chain.state, "landlord")->has_value());
      chain.end_block();
    }
    auto record = chain.record("landlord");
    CHECK(record.shared);
    CHECK(record.municipality == "member-0");
    CHECK(record.abi_json == minimal_abi);
  }
  SUBCASE("handing a shared contract to a member lets its admin upgrade it alone, and back") {
    REQUIRE(chain.send(chain.admins[0], owner_proposal("shared", "member-2")).status == Code::ok);
    approve_all(1);
    for (int block = 0; block < 3; ++block) chain.end_block();
    CHECK_FALSE(chain.record("shared").shared);
    CHECK(chain.record("shared").municipality == "member-2");
    CHECK(chain.send(chain.admins[2], deploy("shared", "member-2", test_contract(0, 6))).status == Code::ok);
    CHECK(chain.send(chain.admins[0], deploy("shared", "member-0", test_contract(0, 7))).status == Code::unauthorized);
    CHECK(chain.send(chain.admins[0], owner_proposal("shared", "")).status == Code::ok);
    approve_all(2);
    for (int block = 0; block < 3; ++block) chain.end_block();
    CHECK(chain.record("shared").shared);
    CHECK(chain.send(chain.admins[2], deploy("shared", "member-2", test_contract(0, 8))).status == Code::unauthorized);
    CHECK(chain.send(chain.admins[0], owner_proposal("shared", "nowhere")).status == Code::not_found);
  }
  SUBCASE("two rejections of five make approval unreachable; an undecided proposal expires") {
    REQUIRE(chain.send(chain.admins[0], upgrade_proposal("shared", test_contract(0, 10))).status == Code::ok);
    CHECK(chain.send(chain.admins[1], chain::ContractVote{1, false}).status == Code::ok);
    CHECK(chain.send(chain.admins[2], chain::ContractVote{1, false}).status == Code::ok);
    CHECK((*execution::read_contract_proposal(chain.state, 1))->status == execution::ContractProposalStatus::rejected);
    CHECK_FALSE(chain.state.get(execution::keys::contract_proposal_code(1))->has_value());
    REQUIRE(chain.send(chain.admins[1], upgrade_proposal("shared", test_contract(0, 11))).status == Code::ok);
    chain.height = 60;
    chain.end_block();
    auto expired = execution::read_contract_proposal(chain.state, 2);
    CHECK((*expired)->status == execution::ContractProposalStatus::expired);
    CHECK(execution::read_pending_contract_proposals(chain.state)->empty());
    CHECK(chain.record("shared").history.size() == 1);
  }
  SUBCASE("a change that cannot be applied any more fails without stopping the block") {
    REQUIRE(chain.send(chain.admins[0], deploy_proposal("late", test_contract(0, 12))).status == Code::ok);
    approve_all(1);
    // Meanwhile a member hands its own contract's name... the name is taken
    // by genesis-like means (directly through the host, as a test shortcut).
    REQUIRE(chain.host.deploy(chain.state, {"late", "member-3", test_contract(), ""}, chain.context()).ok());
    for (int block = 0; block < 3; ++block) chain.end_block();
    auto failed = execution::read_contract_proposal(chain.state, 1);
    CHECK((*failed)->status == execution::ContractProposalStatus::failed);
    CHECK((*failed)->failure.find("deployed meanwhile") != std::string::npos);
    CHECK(chain.record("late").municipality == "member-3");
  }
}

TEST_CASE("accounts the chain knows, and in which class") {
  ChainFixture chain;
  const int64_t now = chain.genesis.genesis_time_ms;
  auto standing = [&](const PublicKey& account, int64_t at = 0) {
    auto found = execution::account_standing(chain.state, account, at == 0 ? now : at);
    REQUIRE(found.ok());
    return *found;
  };
  using Class = execution::AccountClass;
  CHECK(standing(chain.nodes[3].public_key) == execution::AccountStanding{Class::validator, "member-3"});
  CHECK(standing(chain.admins[2].public_key) == execution::AccountStanding{Class::admin, "member-2"});
  CHECK(standing(chain.office.public_key) == execution::AccountStanding{Class::role_holder, "member-0"});
  auto citizen = crypto::generate_key_pair();
  CHECK(standing(citizen.public_key).account_class == Class::unknown);
  CHECK_FALSE(standing(citizen.public_key).known());
  CHECK(standing(chain.admins[0].public_key).privileged());

  // A shared contract vouches for the caller (the identity contract does
  // this for attested keys) until a time, and withdraws it.
  CHECK(chain.send(citizen, call("shared", "reg")).status == Code::ok);
  CHECK(standing(citizen.public_key) == execution::AccountStanding{Class::attested, ""});
  CHECK(standing(citizen.public_key, 4'102'444'800'000).account_class == Class::unknown);  // ended
  CHECK(chain.send(citizen, call("shared", "unreg")).status == Code::ok);
  CHECK(standing(citizen.public_key).account_class == Class::unknown);

  // A municipality's own contract may not.
  REQUIRE(chain.send(chain.admins[1], deploy("member-1.mine", "member-1", test_contract())).status == Code::ok);
  auto refused = chain.send(citizen, call("member-1.mine", "reg"));
  CHECK(refused.status == Code::trap);
  CHECK(refused.message.find("only shared") != std::string::npos);
  CHECK(standing(citizen.public_key).account_class == Class::unknown);

  // A new member's admin is known once the member joins.
  auto node = crypto::generate_key_pair();
  auto admin = crypto::generate_key_pair();
  REQUIRE(chain
              .send(chain.admins[0], chain::ValidatorProposal{chain::ValidatorChangeKind::add, "newtown", "New Town",
                                                              admin.public_key, node.public_key})
              .status == Code::ok);
  for (size_t i = 1; i < 4; ++i) REQUIRE(chain.send(chain.admins[i], chain::ValidatorVote{1, true}).status == Code::ok);
  for (int block = 0; block < 3; ++block) chain.end_block();
  CHECK(standing(admin.public_key) == execution::AccountStanding{Class::admin, "newtown"});
  CHECK(standing(node.public_key) == execution::AccountStanding{Class::validator, "newtown"});
}

// ---- the chain's text rules ---------------------------------------------------

TEST_CASE("text fields are valid UTF-8 and bounded at admission") {
  CHECK(chain::is_valid_utf8("Gelsenkirchen, Münster, 東京"));
  CHECK_FALSE(chain::is_valid_utf8(std::string("\xFF\xFE", 2)));
  CHECK_FALSE(chain::is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(chain::is_valid_utf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(chain::is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(chain::is_valid_utf8("\xE2\x82"));          // truncated
  CHECK(chain::to_valid_utf8(std::string("a\xFF"
                                         "b",
                                         3)) ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK_FALSE(chain::is_printable_text("line\nbreak"));
  CHECK(chain::is_printable_text("line\nbreak", true));

  auto key = crypto::generate_key_pair();
  auto check = [&](chain::Action action) {
    chain::Tx tx;
    tx.chain_id = "test-chain";
    tx.sender = key.public_key;
    tx.gas_limit = 1'000'000;
    tx.action = std::move(action);
    chain::sign_tx(tx, key.secret);
    return chain::check_tx_stateless(tx, "test-chain", chain::encode_tx(tx).size());
  };
  const std::string bad("\xFF\xFE", 2);
  // The attack: a role grant for the municipality FF FE was accepted.
  Status refused = check(chain::RoleGrant{bad, "archive", key.public_key});
  CHECK(refused.code() == Code::invalid);
  CHECK(chain::is_valid_utf8(refused.message()));
  CHECK(check(chain::RoleRevoke{"dev-city", bad, key.public_key}).code() == Code::invalid);
  CHECK(check(chain::ContractCall{"dogpermit", bad, {}}).code() == Code::invalid);
  CHECK(check(chain::ContractCall{"dogpermit", "verify in zone", {}}).code() == Code::invalid);
  CHECK(check(chain::ContractCall{"dev-city.parking", "verify_in_zone", {}}).ok());
  CHECK(check(chain::ContractDeploy{"dev-city.x", "dev-city", {1}, "{\"a\": \"" + bad + "\"}"}).code() ==
        Code::invalid);
  CHECK(check(chain::ContractDeploy{"dev-city.x", "dev-city", {1}, "{\n\t\"a\": \"Zürich\"\n}"}).ok());
  CHECK(check(chain::ValidatorProposal{chain::ValidatorChangeKind::add, "newtown", "New\x01Town", key.public_key,
                                       key.public_key})
            .code() == Code::invalid);
  CHECK(check(chain::ValidatorProposal{chain::ValidatorChangeKind::add, "newtown", std::string(257, 'a'),
                                       key.public_key, key.public_key})
            .code() == Code::invalid);
  CHECK(check(chain::ValidatorProposal{chain::ValidatorChangeKind::add, "muenster", "Münster", key.public_key,
                                       key.public_key})
            .ok());
  CHECK(check(owner_proposal("shared", bad)).code() == Code::invalid);
  chain::Tx wrong_chain;
  wrong_chain.chain_id = bad;
  wrong_chain.sender = key.public_key;
  wrong_chain.action = chain::ValidatorVote{1, true};
  chain::sign_tx(wrong_chain, key.secret);
  Status other_chain = chain::check_tx_stateless(wrong_chain, "test-chain", 200);
  CHECK(other_chain.code() == Code::invalid);
  CHECK(chain::is_valid_utf8(other_chain.message()));
}

// ---- no path from a transaction to a state write exceeds the tree's limits ----
//
// Random transactions of every kind (admitted through the stateless checks,
// as the API and peers do) run through the executor block after block; each
// block's changes must be accepted by a real state::StateTree. Sizes are
// drawn around every limit. The seed is fixed so a failure replays.

namespace {

// Committed state for the next block: the tree at the latest root.
class TreeState final : public execution::StateReader {
 public:
  TreeState(state::StateTree& tree, const Hash& root) : tree_(tree), root_(root) {}
  Result<std::optional<Bytes>> get(ByteView key) const override { return tree_.get_at(root_, key); }

 private:
  state::StateTree& tree_;
  Hash root_;
};

struct RandomActions {
  std::mt19937_64 random;
  ChainFixture& chain;
  uint64_t next_proposal = 1;

  size_t around(std::initializer_list<size_t> edges) {
    std::vector<size_t> choices(edges);
    size_t edge = choices[random() % choices.size()];
    size_t offset = random() % 5;
    return random() % 2 == 0 ? edge + offset : (edge >= offset ? edge - offset : 0);
  }

  std::string name(size_t size_bytes) { return std::string(std::max<size_t>(size_bytes, 1), 'a' + random() % 26); }

  const crypto::KeyPair& admin() { return chain.admins[random() % chain.admins.size()]; }

  std::pair<const crypto::KeyPair*, chain::Action> next() {
    switch (random() % 8) {
      case 0:
        return {&chain.office, call("shared", "put", put_arguments(around({0, 955, 1024}), around({0, 65536})))};
      case 1: {
        size_t index = random() % chain.admins.size();
        std::string id = "member-" + std::to_string(index);
        std::string local = name(around({1, 64 - id.size() - 1, 64}));
        return {&chain.admins[index],
                deploy(id + "." + local, id,
                       test_contract(around({0, 32768, 65536, 119000}), static_cast<uint8_t>(random())),
                       "\"" + std::string(around({0, 32760}), 'x') + "\"")};
      }
      case 2:
        return {&chain.office, call("shared", random() % 2 ? "reg" : "unreg")};
      case 3:
        return {&admin(), chain::RoleGrant{"member-" + std::to_string(random() % 5), chain::known_roles()[random() % 4],
                                           crypto::generate_key_pair().public_key}};
      case 4:
        return {&admin(),
                chain::ValidatorProposal{chain::ValidatorChangeKind::add, name(around({60, 64})),
                                         std::string(around({250, 256}), 'N'), crypto::generate_key_pair().public_key,
                                         crypto::generate_key_pair().public_key}};
      case 5:
        return {&admin(), chain::ValidatorVote{1 + random() % 8, random() % 4 != 0}};
      case 6:
        return {&admin(), random() % 2
                              ? upgrade_proposal(
                                    "shared", test_contract(around({0, 60000, 119000}), static_cast<uint8_t>(random())),
                                    std::string(around({0, 32760}), ' '))
                              : deploy_proposal(name(around({1, 64})), test_contract())};
      default:
        return {&admin(), chain::ContractVote{1 + random() % 8, random() % 4 != 0}};
    }
  }
};

}  // namespace

TEST_CASE("no sequence of transactions writes a state value the tree refuses") {
  ChainFixture chain;
  auto store = storage::make_memory_store();
  state::StateTree tree(*store);
  const uint64_t seed = 20261207;
  INFO("seed " << seed);
  RandomActions actions{std::mt19937_64(seed), chain};
  Hash root = state::StateTree::empty_root();
  size_t receipts_ok = 0;
  size_t receipts_failed = 0;
  const auto commit = [&](execution::Overlay& overlay) {
    std::vector<state::StateChange> changes;
    for (auto& change : overlay.changes()) {
      REQUIRE(change.key.size() <= limits::state_key_size_bytes_max);
      REQUIRE((!change.value || change.value->size() <= limits::state_value_size_bytes_max));
      changes.push_back({std::move(change.key), std::move(change.value)});
    }
    storage::WriteBatch batch;
    auto applied = tree.apply(root, changes, batch);
    REQUIRE_MESSAGE(applied.ok(), applied.status().to_string());
    REQUIRE(store->write(batch, false).ok());
    root = *applied;
  };
  commit(chain.state);
  for (int block = 0; block < 30; ++block) {
    TreeState committed(tree, root);
    execution::Overlay overlay(committed);
    for (int index = 0; index < 12; ++index) {
      auto [sender, action] = actions.next();
      auto tx = chain.admit(*sender, std::move(action));
      if (!tx) continue;
      auto receipt = chain.executor->execute_tx(overlay, checked(*tx), chain.context(), static_cast<uint32_t>(index));
      REQUIRE_MESSAGE(receipt.ok(), receipt.status().to_string());
      (receipt->status == Code::ok ? receipts_ok : receipts_failed)++;
    }
    REQUIRE(chain.executor->end_block(overlay, chain.context()).ok());
    ++chain.height;
    commit(overlay);
  }
  MESSAGE("receipts ok: " << receipts_ok << ", failed: " << receipts_failed);
  CHECK(receipts_ok > 50);
  CHECK(receipts_failed > 20);
}
