// Tests of sdk/client's pure parts: building and signing transactions,
// parsing the node's JSON answers, the state layout it mirrors, and the
// light-client checks (state proofs and commit certificates), including
// tampered answers. The network parts are covered by tests/integration.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "chain/genesis.h"
#include "client/api_types.h"
#include "client/client.h"
#include "client/events.h"
#include "client/keys.h"
#include "client/state_layout.h"
#include "client/tx_builder.h"
#include "client/verify.h"
#include "codec/codec.h"
#include "consensus/certificate.h"
#include "crypto/hash.h"

using namespace govchain;
using namespace govchain::client;
using json = nlohmann::json;

namespace {

crypto::KeyPair key_from_seed(uint8_t seed) {
  crypto::SecretKey secret;
  secret.data.fill(seed);
  auto pair = crypto::key_pair_from_secret(secret);
  REQUIRE(pair.ok());
  return *pair;
}

// A small chain: one block whose state holds `key` = `value` next to one
// other subtree, finalised by `signers` of `validators`.
struct Fixture {
  std::vector<crypto::KeyPair> validators;
  Bytes key = account_roles_key(key_from_seed(9).public_key);
  Bytes value = encode_roles_value({{"dev-city", "archive"}});
  Hash other_subtree = crypto::sha256(std::string_view("another subtree"));
  chain::Header header;
  StateRead read;
  BlockInfo block;

  explicit Fixture(size_t validator_count, size_t signer_count) {
    for (size_t i = 0; i < validator_count; ++i) validators.push_back(key_from_seed(static_cast<uint8_t>(i + 1)));
    state::StateProof proof;
    proof.siblings = {other_subtree};
    proof.terminal = state::ProofTerminal::key_leaf;
    const Hash key_hash = state::state_key_hash(key);
    const Hash leaf = state::leaf_hash(key_hash, crypto::sha256(ByteView(value)));
    const Hash root =
        state::path_bit(key_hash, 0) ? state::inner_hash(other_subtree, leaf) : state::inner_hash(leaf, other_subtree);
    header.chain_id = "test-chain";
    header.height = 7;
    header.time_ms = 1700000000000;
    header.state_root = root;
    header.validator_set_hash = chain::validator_set_hash(public_keys());
    const Hash hash = chain::block_hash(header);

    read.key = key;
    read.value = value;
    read.proof = proof;
    read.height = 7;
    read.block_hash = hash;
    read.state_root = root;

    block.header = header;
    block.header_bytes = chain::encode_header(header);
    block.claimed_hash = hash;
    block.computed_hash = hash;
    block.commit.height = 7;
    block.commit.round = 1;
    block.commit.block_hash = hash;
    for (size_t i = 0; i < signer_count; ++i) {
      const Hash signed_hash =
          consensus::precommit_signing_digest(header.chain_id, 7, 1, hash, validators[i].public_key);
      block.commit.signatures.push_back(
          {validators[i].public_key, crypto::sign(validators[i].secret, signed_hash.view())});
    }
  }

  std::vector<PublicKey> public_keys() const {
    std::vector<PublicKey> keys;
    for (const auto& pair : validators) keys.push_back(pair.public_key);
    return keys;
  }

  Result<ProvenState> verify() const {
    return verify_state_read(key, read, block, public_keys(), ValidatorSource::caller, "test-chain");
  }
};

}  // namespace

TEST_CASE("make_tx signs a transaction that round-trips through the wire encoding") {
  const crypto::KeyPair admin = key_from_seed(1);
  const crypto::KeyPair account = key_from_seed(2);
  auto action = role_grant_action("dev-city", "archive", account.public_key);
  REQUIRE(action.ok());
  auto tx = make_tx("govchain-dev", admin, 5, default_gas_limit, *action);
  REQUIRE(tx.ok());
  CHECK(tx->sender == admin.public_key);
  CHECK(tx->nonce == 5);
  CHECK(crypto::verify(admin.public_key, chain::tx_hash(*tx).view(), tx->signature));

  auto bytes = from_hex(tx_hex(*tx));
  REQUIRE(bytes.ok());
  auto decoded = chain::decode_tx(*bytes);
  REQUIRE(decoded.ok());
  CHECK(*decoded == *tx);
  CHECK(chain::check_tx_stateless(*decoded, "govchain-dev", bytes->size()).ok());
  // The same transaction is for one chain only.
  CHECK(chain::check_tx_stateless(*decoded, "other-chain", bytes->size()).code() == Code::wrong_chain);

  // A changed field breaks the signature.
  chain::Tx changed = *tx;
  changed.nonce = 6;
  CHECK(chain::check_tx_stateless(changed, "govchain-dev", bytes->size()).code() == Code::bad_signature);
}

TEST_CASE("builders refuse what every node would refuse") {
  const PublicKey account = key_from_seed(2).public_key;
  CHECK(role_grant_action("dev-city", "mayor", account).status().code() == Code::invalid_argument);
  CHECK(role_revoke_action("", "archive", account).status().code() == Code::invalid_argument);
  auto action = role_revoke_action("dev-city", "archive", account);
  REQUIRE(action.ok());
  CHECK(std::holds_alternative<chain::RoleRevoke>(*action));
  CHECK(make_tx("", key_from_seed(1), 0, 1000, *action).status().code() == Code::invalid_argument);
}

TEST_CASE("validator governance builders check ids, keys and the new-member fields") {
  const PublicKey node_key = key_from_seed(3).public_key;
  const PublicKey admin = key_from_seed(4).public_key;
  auto add_new = validator_add_action("bielefeld", node_key, "Bielefeld", admin);
  REQUIRE(add_new.ok());
  const auto& proposal = std::get<chain::ValidatorProposal>(*add_new);
  CHECK(proposal.kind == chain::ValidatorChangeKind::add);
  CHECK(proposal.validator == node_key);
  CHECK(proposal.admin == admin);
  CHECK(make_tx("govchain-test", key_from_seed(1), 0, 1'000'000, *add_new).ok());
  CHECK(validator_add_action("soest", node_key).ok());
  CHECK(validator_add_action("Soest", node_key).status().code() == Code::invalid_argument);
  CHECK(validator_add_action("soest", PublicKey{}).status().code() == Code::invalid_argument);
  CHECK(validator_add_action("soest", node_key, "Soest").status().code() == Code::invalid_argument);
  CHECK(validator_add_action("soest", node_key, "", admin).status().code() == Code::invalid_argument);
  CHECK(validator_add_action("soest", node_key, std::string(257, 'x'), admin).status().code() ==
        Code::invalid_argument);

  auto remove = validator_remove_action("soest");
  REQUIRE(remove.ok());
  CHECK(std::get<chain::ValidatorProposal>(*remove).kind == chain::ValidatorChangeKind::remove);
  CHECK(make_tx("govchain-test", key_from_seed(1), 0, 1'000'000, *remove).ok());
  CHECK(validator_remove_action("").status().code() == Code::invalid_argument);

  auto vote = validator_vote_action(7, false);
  REQUIRE(vote.ok());
  CHECK(std::get<chain::ValidatorVote>(*vote) == chain::ValidatorVote{7, false});
  CHECK(validator_vote_action(0, true).status().code() == Code::invalid_argument);
}

TEST_CASE("validator governance answers and receipt events parse") {
  const std::string key(64, 'a');
  const std::string proposal = R"({"id": 2, "change": "add", "municipality": "bielefeld", "name": "Bielefeld",
      "admin": ")" + std::string(64, 'b') + R"(", "node_key": ")" + key + R"(", "proposer": ")" + key + R"(",
      "status": "open", "proposed_height": 5, "expires_height": 10005, "decided_height": 0,
      "activation_height": 0, "approvals": ["aachen"], "rejections": [], "approvals_needed": 4})";
  const std::string body = R"({"height": 9, "state_height": 8, "validators": [{"public_key": ")" + key +
                           R"(", "municipality": "aachen"}], "members": ["aachen", "soest"], "pending": [)" +
                           proposal + R"(], "proposal_count": 2})";
  auto info = parse_validator_governance_json(body);
  REQUIRE_MESSAGE(info.ok(), info.status().to_string());
  CHECK(info->height == 9);
  REQUIRE(info->validators.size() == 1);
  CHECK(info->validators[0].municipality == "aachen");
  CHECK(info->members == std::vector<std::string>{"aachen", "soest"});
  REQUIRE(info->pending.size() == 1);
  CHECK(info->pending[0].name == std::optional<std::string>("Bielefeld"));
  CHECK(info->pending[0].approvals_needed == std::optional<uint64_t>(4));
  CHECK(info->proposal_count == 2);

  auto removal = parse_validator_proposal_json(R"({"id": 3, "change": "remove", "municipality": "soest",
      "name": null, "admin": null, "node_key": null, "proposer": ")" + key + R"(", "status": "approved",
      "proposed_height": 5, "expires_height": 10005, "decided_height": 7, "activation_height": 17,
      "approvals": ["aachen", "soest"], "rejections": ["wuppertal"]})");
  REQUIRE_MESSAGE(removal.ok(), removal.status().to_string());
  CHECK_FALSE(removal->node_key.has_value());
  CHECK_FALSE(removal->approvals_needed.has_value());
  CHECK(removal->activation_height == 17);

  CHECK(parse_validator_proposal_json(R"({"id": 3, "change": "swap"})").status().code() == Code::malformed);
  std::string missing = body;
  missing.replace(missing.find("\"members\""), 9, "\"member\"");
  auto refused = parse_validator_governance_json(missing);
  CHECK(refused.status().code() == Code::malformed);
  CHECK(refused.status().message().find("members") != std::string::npos);

  chain::Receipt receipt;
  CHECK(validator_event_of(receipt).status().code() == Code::not_found);
  codec::Writer writer;
  writer.u64(2);
  writer.text("approved");
  receipt.events.push_back({"", "validator_voted", writer.take()});
  auto event = validator_event_of(receipt);
  REQUIRE(event.ok());
  CHECK(event->proposal_id == 2);
  CHECK(event->status == "approved");
  receipt.events[0].data = Bytes{1, 2, 3};
  CHECK(validator_event_of(receipt).status().code() == Code::malformed);
}

TEST_CASE("state layout matches the node's keys and encodings") {
  const PublicKey account = key_from_seed(3).public_key;
  Bytes expected = to_bytes("g/r/");
  expected.insert(expected.end(), account.data.begin(), account.data.end());
  CHECK(account_roles_key(account) == expected);
  CHECK(municipality_key("dev-city") == to_bytes("g/m/dev-city"));
  CHECK(to_string(account_nonce_key(account)).substr(0, 2) == "a/");

  // u32 count, then (u32 length + text) pairs, all big-endian.
  const Bytes roles = encode_roles_value({{"m", "archive"}});
  CHECK(to_hex(roles) ==
        "00000001"
        "00000001"
        "6d"
        "00000007"
        "61726368697665");
  auto decoded = decode_roles_value(roles);
  REQUIRE(decoded.ok());
  REQUIRE(decoded->size() == 1);
  CHECK((*decoded)[0] == RoleEntry{"m", "archive"});
  Bytes trailing = roles;
  trailing.push_back(0);
  CHECK(!decode_roles_value(trailing).ok());

  Bytes municipality = {0, 0, 0, 3, 'D', 'e', 'v'};
  municipality.insert(municipality.end(), account.data.begin(), account.data.end());
  auto record = decode_municipality_value("dev", municipality);
  REQUIRE(record.ok());
  CHECK(record->name == "Dev");
  CHECK(record->admin == account);

  auto nonce = decode_nonce_value(Bytes{0, 0, 0, 0, 0, 0, 1, 2});
  REQUIRE(nonce.ok());
  CHECK(*nonce == 258);

  // "g/v": u32 count, then (32-byte key, u32 length + municipality id),
  // sorted by key; tests/unit/test_execution.cpp checks the node writes this.
  CHECK(validators_key() == to_bytes("g/v"));
  PublicKey low{};
  PublicKey high{};
  high.data[0] = 1;
  Bytes validators = encode_validators_value({{low, "a"}, {high, "b"}});
  CHECK(to_hex(validators) == "00000002" + low.hex() + "0000000161" + high.hex() + "0000000162");
  auto set = decode_validators_value(validators);
  REQUIRE(set.ok());
  CHECK(*set == std::vector<ValidatorRecord>{{low, "a"}, {high, "b"}});
  CHECK(!decode_validators_value(encode_validators_value({{high, "b"}, {low, "a"}})).ok());  // unsorted
  CHECK(!decode_validators_value(encode_validators_value({{low, "a"}, {low, "b"}})).ok());   // repeated
}

TEST_CASE("a correct state read verifies end to end") {
  Fixture fixture(1, 1);
  auto proven = fixture.verify();
  REQUIRE_MESSAGE(proven.ok(), proven.status().to_string());
  CHECK(proven->value == fixture.value);
  CHECK(proven->height == 7);
  CHECK(proven->commit.signatures_valid == 1);
  CHECK(proven->commit.validators_total == 1);
  CHECK(proven->validator_source == ValidatorSource::caller);
}

TEST_CASE("a tampered value fails the proof check") {
  Fixture fixture(1, 1);
  fixture.read.value = encode_roles_value({{"dev-city", "archive"}, {"dev-city", "identity_office"}});
  auto proven = fixture.verify();
  CHECK(proven.status().code() == Code::invalid);
  CHECK(proven.status().message().find("state proof") != std::string::npos);

  Fixture absent(1, 1);
  absent.read.value = std::nullopt;  // the node claims the key is absent
  CHECK(absent.verify().status().code() == Code::invalid);
}

TEST_CASE("a state root that the block does not commit to fails") {
  Fixture fixture(1, 1);
  fixture.read.state_root = crypto::sha256(std::string_view("a different root"));
  CHECK(fixture.verify().status().code() == Code::invalid);

  Fixture renamed(1, 1);
  renamed.block.claimed_hash = crypto::sha256(std::string_view("not the header's hash"));
  CHECK(renamed.verify().status().code() == Code::invalid);

  Fixture other_key(1, 1);
  const Bytes asked = account_roles_key(key_from_seed(10).public_key);
  CHECK(verify_state_read(asked, other_key.read, other_key.block, other_key.public_keys(), ValidatorSource::caller, "")
            .status()
            .code() == Code::invalid);
  CHECK(Fixture(1, 1).verify().ok());
  Fixture wrong_chain(1, 1);
  CHECK(verify_state_read(wrong_chain.key, wrong_chain.read, wrong_chain.block, wrong_chain.public_keys(),
                          ValidatorSource::caller, "another-chain")
            .status()
            .code() == Code::invalid);
}

TEST_CASE("commit certificates need more than two thirds of the given validators") {
  CHECK(Fixture(4, 3).verify().ok());
  auto too_few = Fixture(4, 2).verify();
  CHECK(too_few.status().code() == Code::invalid);
  CHECK(too_few.status().message().find("2 of 4") != std::string::npos);

  // A repeated signer is refused, even where the others reach the quorum
  // (the one verifier refuses duplicates everywhere).
  Fixture repeated(4, 3);
  repeated.block.commit.signatures.push_back(repeated.block.commit.signatures[0]);
  CHECK(repeated.verify().status().code() == Code::invalid);
  CHECK(repeated.verify().status().message().find("appears twice") != std::string::npos);

  // A forged signature by a member fails.
  Fixture forged(1, 1);
  forged.block.commit.signatures[0].signature.data[5] ^= 1;
  CHECK(forged.verify().status().code() == Code::invalid);

  // A validator set other than the one the header names fails, even if the
  // signatures verify.
  Fixture fixture(1, 1);
  CHECK(verify_commit(fixture.block.header, fixture.block.commit, {key_from_seed(42).public_key}).status().code() ==
        Code::invalid);
  CHECK(verify_commit(fixture.block.header, fixture.block.commit, {}).status().code() == Code::invalid_argument);
}

TEST_CASE("API answers parse, and malformed ones are refused with the field named") {
  auto status = parse_status_json(R"({"chain_id":"govchain-dev","height":3,"latest_block_hash":")" +
                                  std::string(64, 'a') + R"(","state_root":")" + std::string(64, 'b') +
                                  R"(","latest_block_time_ms":17,"mempool_txs":0,"validators":[")" +
                                  std::string(64, 'c') + R"("]})");
  REQUIRE_MESSAGE(status.ok(), status.status().to_string());
  CHECK(status->chain_id == "govchain-dev");
  CHECK(status->height == 3);
  REQUIRE(status->validators.size() == 1);

  auto missing = parse_status_json(R"({"chain_id":"x"})");
  CHECK(missing.status().code() == Code::malformed);
  CHECK(missing.status().message().find("height") != std::string::npos);
  CHECK(parse_status_json("not json").status().code() == Code::malformed);
  CHECK(parse_status_json("[1,2]").status().code() == Code::malformed);

  const std::string hash(64, '1');
  auto pending = parse_tx_status_json(R"({"hash":")" + hash + R"(","status":"pending"})");
  REQUIRE(pending.ok());
  CHECK(pending->state == TxState::pending);
  CHECK(!pending->receipt);

  json receipt = {{"tx_hash", hash},
                  {"height", 4},
                  {"index", 0},
                  {"status", "unauthorized"},
                  {"status_code", 6},
                  {"message", "no"},
                  {"gas_used", 100},
                  {"return_hex", "abcd"},
                  {"events", json::array({{{"contract", ""}, {"topic", "role"}, {"data_hex", "01"}}})}};
  auto committed = parse_tx_status_json(json{{"hash", hash}, {"status", "committed"}, {"receipt", receipt}}.dump());
  REQUIRE_MESSAGE(committed.ok(), committed.status().to_string());
  REQUIRE(committed->receipt);
  CHECK(committed->receipt->status == Code::unauthorized);
  CHECK(committed->receipt->return_data == Bytes{0xab, 0xcd});
  REQUIRE(committed->receipt->events.size() == 1);
  CHECK(committed->receipt->events[0].topic == "role");
  receipt["return_hex"] = "xyz";
  CHECK(parse_receipt_json(receipt.dump()).status().code() == Code::malformed);

  CHECK(*parse_account_nonce_json(R"({"account":"x","next_nonce":12})") == 12);
  CHECK(!parse_account_nonce_json(R"({"next_nonce":-1})").ok());
  CHECK(parse_submit_json(R"({"accepted":true,"hash":")" + hash + "\"}")->hash.hex() == hash);
}

TEST_CASE("block answers are decoded from header_hex, not from the node's summary") {
  Fixture fixture(1, 1);
  json body = {{"hash", fixture.block.claimed_hash.hex()},
               {"header", {{"height", 999}}},  // the summary is not what counts
               {"header_hex", to_hex(fixture.block.header_bytes)},
               {"txs", json::array()},
               {"commit",
                {{"height", 7},
                 {"round", 1},
                 {"block_hash", fixture.block.claimed_hash.hex()},
                 {"signatures", json::array({{{"validator", fixture.validators[0].public_key.hex()},
                                              {"signature", fixture.block.commit.signatures[0].signature.hex()}}})}}}};
  auto block = parse_block_json(body.dump());
  REQUIRE_MESSAGE(block.ok(), block.status().to_string());
  CHECK(block->header.height == 7);
  CHECK(block->computed_hash == fixture.block.claimed_hash);
  CHECK(block->commit == fixture.block.commit);
  CHECK(
      verify_state_read(fixture.key, fixture.read, *block, fixture.public_keys(), ValidatorSource::caller, "test-chain")
          .ok());

  body["header_hex"] = "00";
  CHECK(!parse_block_json(body.dump()).ok());
}

TEST_CASE("state answers carry the decoded proof") {
  Fixture fixture(1, 1);
  json body = {{"key", to_hex(fixture.key)},
               {"value", to_hex(fixture.value)},
               {"height", 7},
               {"block_hash", fixture.read.block_hash.hex()},
               {"state_root", fixture.read.state_root.hex()},
               {"proof_hex", to_hex(state::encode_proof(fixture.read.proof))}};
  auto read = parse_state_json(body.dump());
  REQUIRE_MESSAGE(read.ok(), read.status().to_string());
  CHECK(read->proof == fixture.read.proof);
  CHECK(read->value == fixture.value);
  body["value"] = nullptr;
  CHECK(!parse_state_json(body.dump())->value);
  body.erase("proof_hex");
  CHECK(parse_state_json(body.dump()).status().code() == Code::malformed);
}

TEST_CASE("API errors keep the node's code and message") {
  Status status = parse_error_json(403, R"({"error":{"code":"unauthorized","message":"not the admin"}})");
  CHECK(status.code() == Code::unauthorized);
  CHECK(status.message().find("not the admin") != std::string::npos);
  CHECK(status.message().find("403") != std::string::npos);
  Status server = parse_error_json(405, R"({"error":{"code":"method_not_allowed","message":"use GET"}})");
  CHECK(server.code() == Code::invalid_argument);
  CHECK(server.message().find("method_not_allowed") != std::string::npos);
  CHECK(!parse_error_json(502, "<html>bad gateway</html>").ok());
  CHECK(parse_error_json(502, "<html>bad gateway</html>").code() == Code::unavailable);
  CHECK(code_from_name("nonce_too_low") == Code::nonce_too_low);
  CHECK(!code_from_name("no_such_code"));
}

TEST_CASE("node URLs are checked, and an unreachable node is reported as unavailable") {
  CHECK(!Client::connect({.node_url = "ftp://example.org"}).ok());
  CHECK(!Client::connect({.node_url = "127.0.0.1:26657"}).ok());
  // https: port 443 by default; a CA file only with https.
  auto secure = detail::parse_node_url("https://node.example.de/api");
  REQUIRE(secure.ok());
  CHECK(secure->tls);
  CHECK(secure->port == "443");
  CHECK(secure->origin() == "https://node.example.de:443");
  CHECK(!detail::endpoint_for("http://127.0.0.1:26657", "/etc/ssl/ca.pem").ok());
  CHECK(detail::endpoint_for("https://127.0.0.1:8443", "/etc/ssl/ca.pem").ok());
  CHECK(!Client::connect({.node_url = "https://user@example.org"}).ok());
  CHECK(!Client::connect({.node_url = "http://127.0.0.1:99999"}).ok());
  auto endpoint = detail::parse_node_url("http://[::1]:8080/api/");
  REQUIRE(endpoint.ok());
  CHECK(endpoint->host == "::1");
  CHECK(endpoint->port == "8080");
  CHECK(endpoint->path_prefix == "/api");

  // Port 1 on loopback: nothing listens there in a test environment.
  auto client = Client::connect({.node_url = "http://127.0.0.1:1", .request_timeout_ms = 2000});
  REQUIRE(client.ok());
  auto status = client->status();
  CHECK(!status.ok());
  CHECK((status.status().code() == Code::unavailable || status.status().code() == Code::timeout));
}

TEST_CASE("block events parse, with their receipts") {
  const std::string hash(64, 'a');
  json receipt = {{"tx_hash", std::string(64, 'b')},
                  {"height", 4},
                  {"index", 0},
                  {"status", "ok"},
                  {"status_code", 0},
                  {"message", ""},
                  {"gas_used", 10},
                  {"return_hex", ""},
                  {"events", json::array()}};
  json event = {{"type", "block"},
                {"height", 4},
                {"hash", hash},
                {"time_ms", 1700000000},
                {"state_root", hash},
                {"tx_count", 1},
                {"results", json::array({receipt})}};
  auto parsed = parse_block_event_json(event.dump());
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().to_string());
  CHECK(parsed->height == 4);
  REQUIRE(parsed->results.size() == 1);
  CHECK(parsed->results[0].status == Code::ok);
  event["type"] = "other";
  CHECK(parse_block_event_json(event.dump()).status().code() == Code::malformed);
  CHECK(parse_block_event_json("{").status().code() == Code::malformed);
}

TEST_CASE("key files: no overwrite, dev keys only when allowed, passphrase from the prompt") {
  char directory_template[] = "/tmp/govchain-client-test.XXXXXX";
  REQUIRE(::mkdtemp(directory_template) != nullptr);
  const std::string directory = directory_template;
  const crypto::KeyPair pair = key_from_seed(7);

  const std::string dev_path = directory + "/dev.json";
  REQUIRE(write_new_key_file(dev_path, crypto::encode_dev_key_file(pair, "admin")).ok());
  CHECK(write_new_key_file(dev_path, "x").code() == Code::already_exists);
  CHECK(load_key_file(dev_path, {}).status().code() == Code::unauthorized);
  KeyLoadOptions allow_dev;
  allow_dev.allow_dev_keys = true;
  auto dev = load_key_file(dev_path, allow_dev);
  REQUIRE(dev.ok());
  CHECK(dev->dev_only);
  CHECK(dev->key_pair.public_key == pair.public_key);
  auto info = inspect_key_file(dev_path);
  REQUIRE(info.ok());
  CHECK(info->dev_only);
  CHECK(info->label == "admin");

  const std::string encrypted_path = directory + "/encrypted.json";
  auto text = crypto::encode_encrypted_key_file(pair, "secret", {.cost = 1024});
  REQUIRE(text.ok());
  REQUIRE(write_new_key_file(encrypted_path, *text).ok());
  KeyLoadOptions prompted;
  prompted.use_environment = false;
  CHECK(load_key_file(encrypted_path, prompted).status().code() == Code::invalid_argument);
  prompted.prompt = [](std::string_view) -> Result<std::string> { return std::string("secret"); };
  auto loaded = load_key_file(encrypted_path, prompted);
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().to_string());
  CHECK(!loaded->dev_only);
  CHECK(loaded->key_pair.secret == pair.secret);
  prompted.prompt = [](std::string_view) -> Result<std::string> { return std::string("wrong"); };
  CHECK(load_key_file(encrypted_path, prompted).status().code() == Code::unauthorized);
  CHECK(inspect_key_file(encrypted_path)->encrypted);
  CHECK(load_key_file(directory + "/missing.json", allow_dev).status().code() == Code::not_found);

  std::remove(dev_path.c_str());
  std::remove(encrypted_path.c_str());
  ::rmdir(directory.c_str());
}
