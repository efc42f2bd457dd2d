#include <doctest/doctest.h>

#include <memory>

#include "consensus/certificate.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"
#include "execution/evidence.h"
#include "execution/executor.h"
#include "execution/governance.h"

using namespace govchain;

namespace {

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
    return executor->execute_tx(state, tx, chain::encode_tx(tx).size(), context, 0);
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
  REQUIRE(second.executor->execute_tx(state, tx, chain::encode_tx(tx).size(), second.context, 0).ok());
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
    return executor->execute_tx(state, tx, chain::encode_tx(tx).size(), context, 0);
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
