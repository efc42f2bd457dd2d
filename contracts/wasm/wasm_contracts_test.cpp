// End-to-end tests of the BUILT contracts: each .wasm runs in govchain's own
// WebAssembly engine (node/runtime) under the node's own host,
// execution::WasmContractHost, over an in-memory state. This checks what the
// native tests cannot: that the wasm32 build links without libc, that every
// import has the signature the node defines, and that the contracts behave
// the same under the interpreter and the node's host API (gas included) as
// natively.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"
#include "execution/governance.h"
#include "execution/state_keys.h"
#include "execution/wasm_host.h"
#include "runtime/runtime.h"

using namespace govchain;
using runtime::HostContext;
using runtime::Value;
using runtime::ValueType;

namespace {

constexpr uint64_t gas_per_call = 10'000'000;

struct Outcome {
  bool ok = false;
  std::string error;  // abort message or trap
  Bytes output;
  std::vector<chain::Event> events;
  uint64_t gas_used = 0;
};

Bytes read_contract(const std::string& name, const std::string& extension = ".wasm") {
  std::ifstream file(std::string(GOVCHAIN_CONTRACTS_DIR) + "/" + name + extension, std::ios::binary);
  REQUIRE_MESSAGE(file.good(), "missing " << name << extension);
  return Bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

// The ABI the build wrote from the module (`govchain contract abi`).
std::string read_abi(const std::string& name) {
  Bytes text = read_contract(name, ".abi.json");
  return std::string(text.begin(), text.end());
}

// A chain reduced to what contracts see: an in-memory state (an Overlay over
// nothing), the node's WasmContractHost, roles written through Governance,
// and a block height and time the test moves. A failed call or a query is
// reverted, as the executor does with a failed transaction.
class TestChain {
 public:
  explicit TestChain(std::string chain_id = "govchain-test") : chain_id_(std::move(chain_id)) {}

  int64_t height = 1;
  int64_t time_ms = 1'767'225'600'000;

  // Deploys the built module with the ABI the build wrote from it.
  void deploy(const std::string& name) {
    Status deployed = try_deploy(name, read_contract(name), read_abi(name));
    REQUIRE_MESSAGE(deployed.ok(), deployed.to_string());
  }
  Status try_deploy(const std::string& name, Bytes code, std::string abi_json) {
    chain::ContractDeploy deploy{name, "test-city", std::move(code), std::move(abi_json)};
    return host_.deploy(state_, deploy, context());
  }

  void grant_role(const PublicKey& account, const std::string& municipality, const std::string& role) {
    chain::Genesis grants;
    grants.roles.push_back({municipality, role, account});
    execution::Governance governance(state_);
    REQUIRE(governance.apply_genesis(grants).ok());
  }

  Outcome call(const std::string& contract, const std::string& method, const PublicKey& caller, const Bytes& input,
               bool query = false) {
    size_t checkpoint = state_.checkpoint();
    chain::Receipt receipt;
    Status status = host_.call(state_, {contract, method, input}, caller, context(), gas_per_call, receipt);
    Outcome outcome{status.ok(), "", receipt.return_data, receipt.events, receipt.gas_used};
    if (!status.ok())
      outcome.error = status.code() == Code::aborted ? status.message() : "trap: " + status.to_string();
    if (!status.ok() || query) state_.revert(checkpoint);
    return outcome;
  }
  Outcome query(const std::string& contract, const std::string& method, const Bytes& input) {
    return call(contract, method, PublicKey(), input, true);
  }

  // A contract's storage as the state holds it (keys without the prefix).
  std::map<Bytes, Bytes> storage_of(const std::string& contract) const {
    Bytes prefix = execution::keys::contract_storage(contract, ByteView());
    std::map<Bytes, Bytes> entries;
    for (const auto& change : state_.changes()) {
      if (!change.value.has_value() || change.key.size() < prefix.size() ||
          !std::equal(prefix.begin(), prefix.end(), change.key.begin()))
        continue;
      entries[Bytes(change.key.begin() + static_cast<std::ptrdiff_t>(prefix.size()), change.key.end())] = *change.value;
    }
    return entries;
  }

 private:
  execution::BlockContext context() const { return {chain_id_, static_cast<uint64_t>(height), time_ms, PublicKey()}; }

  std::string chain_id_;
  execution::EmptyState empty_;
  execution::Overlay state_{empty_};
  execution::WasmContractHost host_;
};

Hash hash_of(const std::string& label) { return crypto::sha256(label); }

PublicKey key_of(const std::string& label) { return crypto::key_pair_from_secret(hash_of(label)).value().public_key; }

std::string read_text(codec::Reader& reader) { return reader.text(1 << 16).value(); }

struct Answer {
  std::string verdict;
  std::string reason;
  std::string status;
};

Answer read_answer(const Outcome& outcome) {
  REQUIRE_MESSAGE(outcome.ok, outcome.error);
  codec::Reader reader(outcome.output);
  Answer answer;
  answer.verdict = read_text(reader);
  answer.reason = read_text(reader);
  answer.status = read_text(reader);
  return answer;
}

Bytes verify_arguments(const Hash& id, const Hash& commitment, int64_t at_ms) {
  codec::Writer writer;
  writer.fixed(id);
  writer.fixed(commitment);
  writer.i64(at_ms);
  return writer.take();
}

}  // namespace

TEST_CASE("parking.wasm: issue, verify, revoke in the WebAssembly engine") {
  TestChain chain;
  chain.deploy("parking");
  PublicKey office = key_of("office");
  chain.grant_role(office, "gelsenkirchen", "public_order_office");
  Hash id = hash_of("permit");
  Hash commitment = crypto::tagged_hash("govchain/commitment", to_bytes(std::string("salt and document")));

  codec::Writer issue;
  issue.fixed(id);
  issue.text("gelsenkirchen");
  issue.fixed(commitment);
  issue.text("altstadt");
  issue.i64(chain.time_ms);
  issue.i64(chain.time_ms + 86'400'000);
  Outcome issued = chain.call("parking", "issue", office, issue.data());
  REQUIRE_MESSAGE(issued.ok, issued.error);
  REQUIRE(issued.events.size() == 1);
  CHECK(issued.events[0].topic == "certificate.active");
  MESSAGE("parking.issue gas: " << issued.gas_used);

  Outcome stranger = chain.call("parking", "issue", key_of("stranger"), issue.data());
  CHECK_FALSE(stranger.ok);
  CHECK(stranger.error == "caller does not hold the required role in this municipality");

  Outcome again = chain.call("parking", "issue", office, issue.data());
  CHECK(again.error == "certificate id already used");

  CHECK(read_answer(chain.query("parking", "verify", verify_arguments(id, commitment, 0))).verdict == "valid");
  CHECK(read_answer(chain.query("parking", "verify", verify_arguments(id, hash_of("x"), 0))).verdict ==
        "commitment_mismatch");
  CHECK(read_answer(chain.query("parking", "verify", verify_arguments(hash_of("none"), commitment, 0))).verdict ==
        "unknown_id");

  chain.height++;
  chain.time_ms += 5000;
  codec::Writer revoke;
  revoke.fixed(id);
  revoke.text("misuse");
  REQUIRE(chain.call("parking", "revoke", office, revoke.data()).ok);
  Answer revoked = read_answer(chain.query("parking", "verify", verify_arguments(id, commitment, 0)));
  CHECK(revoked.verdict == "revoked");
  CHECK(revoked.reason == "misuse");

  codec::Writer certificate;
  certificate.fixed(id);
  Outcome record = chain.query("parking", "certificate", certificate.data());
  REQUIRE(record.ok);
  codec::Reader reader(record.output);
  CHECK(reader.fixed<32>().value() == id);
  CHECK(read_text(reader) == "parking_exemption");

  Outcome malformed = chain.call("parking", "revoke", office, Bytes{1, 2, 3});
  CHECK(malformed.error.find("parking.revoke: argument 'id' (hash) does not decode") != std::string::npos);
  CHECK(malformed.error.find("the contract did not run") != std::string::npos);
  CHECK(malformed.gas_used == 0);
  CHECK_FALSE(chain.call("parking", "no_such_method", office, {}).ok);
}

TEST_CASE("landlord.wasm reads identity.wasm's attestation through storage_get_of") {
  TestChain chain;
  chain.deploy("identity");
  chain.deploy("landlord");
  PublicKey identity_office = key_of("identity office");
  PublicKey registration_office = key_of("registration office");
  PublicKey landlord = key_of("landlord");
  chain.grant_role(identity_office, "koeln", "identity_office");
  chain.grant_role(registration_office, "aachen", "registration_office");

  codec::Writer attest;
  attest.fixed(hash_of("attestation"));
  attest.text("koeln");
  attest.fixed(landlord);
  attest.text("substantial");
  attest.fixed(hash_of("attributes"));
  attest.i64(0);
  attest.i64(chain.time_ms + 86'400'000);
  attest.fixed(Hash());
  Outcome attested = chain.call("identity", "attest_typo", identity_office, attest.data());
  CHECK_FALSE(attested.ok);
  attested = chain.call("identity", "issue", identity_office, attest.data());
  REQUIRE_MESSAGE(attested.ok, attested.error);
  // The documented layout that other contracts read (identity_layout.h).
  auto key_with = [](const std::string& prefix, ByteView suffix) {
    Bytes key(prefix.begin(), prefix.end());
    key.insert(key.end(), suffix.begin(), suffix.end());
    return key;
  };
  const auto identity_storage = chain.storage_of("identity");
  CHECK(identity_storage.count(key_with("cert/", hash_of("attestation").view())) == 1);
  CHECK(identity_storage.count(key_with("attest/", hash_of("attestation").view())) == 1);
  REQUIRE(identity_storage.count(key_with("key/", landlord.view())) == 1);
  Hash attestation_id = hash_of("attestation");
  CHECK(identity_storage.at(key_with("key/", landlord.view())) ==
        Bytes(attestation_id.view().begin(), attestation_id.view().end()));
  CHECK(identity_storage.size() == 3);

  Hash id = hash_of("confirmation");
  Hash commitment = hash_of("commitment");
  codec::Writer issue;
  issue.fixed(id);
  issue.text("aachen");
  issue.fixed(commitment);
  issue.text("move_in");
  issue.text("2026-03-01");
  issue.i64(0);
  CHECK(chain.call("landlord", "issue", key_of("someone"), issue.data()).error ==
        "the landlord needs a valid identity attestation of level substantial or high");
  Outcome issued = chain.call("landlord", "issue", landlord, issue.data());
  REQUIRE_MESSAGE(issued.ok, issued.error);
  MESSAGE("landlord.issue gas: " << issued.gas_used);

  codec::Writer consume;
  consume.fixed(id);
  REQUIRE(chain.call("landlord", "consume", registration_office, consume.data()).ok);
  CHECK(chain.call("landlord", "consume", registration_office, consume.data()).error == "certificate already consumed");
  CHECK(read_answer(chain.query("landlord", "verify", verify_arguments(id, commitment, 0))).verdict == "consumed");
}

TEST_CASE("identity.wasm: key rotation with a BIP340 signature of the new key") {
  TestChain chain;
  chain.deploy("identity");
  PublicKey office = key_of("identity office");
  chain.grant_role(office, "koeln", "identity_office");
  auto holder = crypto::key_pair_from_secret(hash_of("holder")).value();
  auto new_holder = crypto::key_pair_from_secret(hash_of("new holder")).value();
  Hash old_id = hash_of("a1");
  Hash new_id = hash_of("a2");

  codec::Writer attest;
  attest.fixed(old_id);
  attest.text("koeln");
  attest.fixed(holder.public_key);
  attest.text("high");
  attest.fixed(hash_of("attributes"));
  attest.i64(0);
  attest.i64(chain.time_ms + 86'400'000);
  attest.fixed(Hash());
  REQUIRE(chain.call("identity", "issue", office, attest.data()).ok);

  codec::Writer message;
  message.fixed(old_id);
  message.fixed(new_id);
  message.fixed(new_holder.public_key);
  Signature signature =
      crypto::sign(new_holder.secret, crypto::tagged_hash("govchain/identity/rotate", message.data()).view());
  codec::Writer rotate;
  rotate.fixed(old_id);
  rotate.fixed(new_id);
  rotate.fixed(new_holder.public_key);
  rotate.fixed(signature);
  Outcome rotated = chain.call("identity", "rotate_key", holder.public_key, rotate.data());
  REQUIRE_MESSAGE(rotated.ok, rotated.error);
  MESSAGE("identity.rotate_key gas: " << rotated.gas_used);

  codec::Writer level;
  level.fixed(new_holder.public_key);
  level.i64(0);
  Outcome answer = chain.query("identity", "level_of", level.data());
  REQUIRE(answer.ok);
  codec::Reader reader(answer.output);
  CHECK(read_text(reader) == "high");
  CHECK(reader.fixed<32>().value() == new_id);
}

TEST_CASE("archive.wasm, dogpermit.wasm and streetmusic.wasm load and serve their standard queries") {
  TestChain chain;
  for (const char* name : {"archive", "dogpermit", "streetmusic", "identity", "landlord", "parking"}) {
    chain.deploy(name);
    Answer unknown = read_answer(chain.query(name, "verify", verify_arguments(hash_of("nothing"), hash_of("c"), 0)));
    CHECK(unknown.verdict == "unknown_id");
  }
  PublicKey archivist = key_of("archive");
  chain.grant_role(archivist, "aachen", "archive");
  Bytes root(32, 0xab);
  codec::Writer anchor;
  anchor.fixed(hash_of("batch"));
  anchor.text("aachen");
  anchor.text("sha256");
  anchor.bytes(root);
  anchor.u64(1000);
  anchor.text("Bestand 2021");
  anchor.fixed(Hash());
  Outcome anchored = chain.call("archive", "anchor", archivist, anchor.data());
  REQUIRE_MESSAGE(anchored.ok, anchored.error);
  codec::Writer verify_root;
  verify_root.fixed(hash_of("batch"));
  verify_root.text("sha256");
  verify_root.bytes(root);
  verify_root.i64(0);
  CHECK(read_answer(chain.query("archive", "verify_root", verify_root.data())).verdict == "valid");
  // The contract's commitment is the documented tagged hash.
  codec::Writer preimage;
  preimage.text("sha256");
  preimage.bytes(root);
  Hash commitment = crypto::tagged_hash("govchain/archive-batch", preimage.data());
  CHECK(read_answer(chain.query("archive", "verify", verify_arguments(hash_of("batch"), commitment, 0))).verdict ==
        "valid");

  PublicKey office = key_of("office");
  chain.grant_role(office, "aachen", "public_order_office");
  codec::Writer dog;
  dog.fixed(hash_of("dog"));
  dog.text("aachen");
  dog.fixed(hash_of("dog document"));
  dog.i64(0);
  dog.i64(0);
  dog.i64(chain.time_ms + 1000);
  dog.count(1);
  dog.text("muzzle");
  REQUIRE(chain.call("dogpermit", "issue", office, dog.data()).ok);
  CHECK(read_answer(chain.query("dogpermit", "verify", verify_arguments(hash_of("dog"), hash_of("dog document"), 0)))
            .verdict == "valid");
  Answer lapsed = read_answer(chain.query(
      "dogpermit", "verify", verify_arguments(hash_of("dog"), hash_of("dog document"), chain.time_ms + 1000)));
  CHECK(lapsed.verdict == "expired");
  CHECK(lapsed.reason == "insurance_expired");
}

namespace {

bool is_abi_type(const std::string& type, const nlohmann::json& structs) {
  static const std::set<std::string> scalars = {"u32",    "u64",       "i64",  "bool", "string", "bytes", "hash",
                                                "pubkey", "signature", "code", "zone", "name",   "date",  "label"};
  if (scalars.count(type)) return true;
  if (type.rfind("list<", 0) == 0 && type.back() == '>') return is_abi_type(type.substr(5, type.size() - 6), structs);
  return structs.contains(type);
}

void check_fields(const nlohmann::json& fields, const nlohmann::json& structs, const std::string& where) {
  REQUIRE_MESSAGE(fields.is_array(), where);
  for (const auto& field : fields) {
    INFO(where << "." << field.value("name", "?"));
    CHECK(field.at("name").is_string());
    CHECK(is_abi_type(field.at("type").get<std::string>(), structs));
  }
}

}  // namespace

TEST_CASE("every ABI matches its module: each method is an export () -> (), each export is in the ABI") {
  for (const char* name : {"identity", "landlord", "dogpermit", "streetmusic", "archive", "parking"}) {
    INFO("contract " << name);
    std::ifstream file(std::string(GOVCHAIN_CONTRACTS_DIR) + "/" + name + ".abi.json");
    REQUIRE(file.good());
    nlohmann::json abi = nlohmann::json::parse(file);
    CHECK(abi.at("abi_version") == 1);
    CHECK(abi.at("contract") == name);
    CHECK(abi.at("certificate_type").is_string());
    const auto& structs = abi.at("types");
    for (const auto& [type_name, fields] : structs.items()) check_fields(fields, structs, type_name);

    std::ifstream wasm(std::string(GOVCHAIN_CONTRACTS_DIR) + "/" + name + ".wasm", std::ios::binary);
    Bytes code((std::istreambuf_iterator<char>(wasm)), std::istreambuf_iterator<char>());
    auto module = runtime::load_module(code);
    REQUIRE(module.ok());
    runtime::Store store;
    runtime::Linker linker;
    for (const auto& import : (*module)->imports) {
      CHECK(import.module_name == "govchain");
      if (import.kind == runtime::ExternalKind::function)
        linker.define_function(import.module_name, import.field_name, (*module)->types.at(import.type_index), 0,
                               [](HostContext&, std::span<const Value>, std::span<Value>) { return Status(); });
    }
    auto instance = store.instantiate(*module, linker);
    REQUIRE_MESSAGE(instance.ok(), instance.status().message());

    std::set<std::string> methods;
    for (const auto& method : abi.at("methods")) {
      std::string method_name = method.at("name");
      INFO("method " << method_name);
      methods.insert(method_name);
      CHECK((method.at("kind") == "call" || method.at("kind") == "query"));
      check_fields(method.at("arguments"), structs, method_name + ".arguments");
      check_fields(method.at("returns"), structs, method_name + ".returns");
      auto exported = (*instance)->find_export(method_name);
      REQUIRE(exported.has_value());
      CHECK(exported->kind == runtime::ExternalKind::function);
    }
    CHECK(methods.count("certificate") == 1);
    CHECK(methods.count("verify") == 1);
    for (const auto& exported : (*module)->exports) {
      if (exported.kind == runtime::ExternalKind::memory) {
        CHECK(exported.name == "memory");
        continue;
      }
      CHECK_MESSAGE(methods.count(exported.name) == 1, "export " << exported.name << " not in the ABI");
      CHECK(exported.kind == runtime::ExternalKind::function);
      CHECK((*module)->function_type(exported.index) == runtime::FunctionType{});
    }
  }
}

TEST_CASE("the node refuses free text where the ABI says code, before the contract runs") {
  TestChain chain;
  chain.deploy("parking");
  PublicKey office = key_of("office");
  chain.grant_role(office, "gelsenkirchen", "public_order_office");
  Hash id = hash_of("permit");
  Hash commitment = hash_of("commitment");
  codec::Writer issue;
  issue.fixed(id);
  issue.text("gelsenkirchen");
  issue.fixed(commitment);
  issue.text("GE-ALTSTADT-03");
  issue.i64(chain.time_ms);
  issue.i64(chain.time_ms + 30 * 86'400'000LL);
  REQUIRE(chain.call("parking", "issue", office, issue.data()).ok);
  codec::Writer revoke;
  revoke.fixed(id);
  revoke.text("Erika Mustermann, geb. 12.08.1964, Hauptstrasse 1");
  Outcome refused = chain.call("parking", "revoke", office, revoke.data());
  CHECK_FALSE(refused.ok);
  CHECK(refused.error.find("parking.revoke: argument 'reason' (code) must be a code: 1..32 of [a-z0-9_], no free "
                           "text; the contract did not run") != std::string::npos);
  CHECK(refused.error.find("Mustermann") == std::string::npos);
  CHECK(refused.gas_used == 0);
  for (const auto& [key, value] : chain.storage_of("parking"))
    CHECK(std::string(value.begin(), value.end()).find("Mustermann") == std::string::npos);
  CHECK(read_answer(chain.query("parking", "verify", verify_arguments(id, commitment, 0))).verdict == "valid");

  // An extension through the SDK's amend_window, and the zone query.
  chain.height++;
  chain.time_ms += 86'400'000;
  codec::Writer amend;
  amend.fixed(id);
  amend.i64(chain.time_ms - 86'400'000);
  amend.i64(chain.time_ms + 90 * 86'400'000LL);
  amend.text("extended");
  Outcome amended = chain.call("parking", "amend", office, amend.data());
  REQUIRE_MESSAGE(amended.ok, amended.error);
  REQUIRE(amended.events.size() == 1);
  CHECK(amended.events[0].topic == "certificate.amended");
  CHECK(
      read_answer(chain.query("parking", "verify", verify_arguments(id, commitment, chain.time_ms + 60 * 86'400'000LL)))
          .verdict == "valid");
  codec::Writer in_zone;
  in_zone.fixed(id);
  in_zone.fixed(commitment);
  in_zone.i64(0);
  in_zone.text("GE-BUER-01");
  Answer elsewhere = read_answer(chain.query("parking", "verify_in_zone", in_zone.data()));
  CHECK(elsewhere.verdict == "wrong_zone");
  CHECK(elsewhere.reason == "GE-ALTSTADT-03");
}

TEST_CASE("a deploy whose ABI disagrees with the module is refused, naming the method") {
  TestChain chain;
  Bytes code = read_contract("parking");
  nlohmann::json abi = nlohmann::json::parse(read_abi("parking"));
  for (auto& method : abi["methods"])
    if (method["name"] == "revoke") std::swap(method["arguments"][0], method["arguments"][1]);
  Status swapped = chain.try_deploy("parking", code, abi.dump());
  REQUIRE_FALSE(swapped.ok());
  CHECK(swapped.code() == Code::invalid_argument);
  CHECK(swapped.message().find("method 'revoke': the ABI lists the arguments (reason: code, id: hash), the module "
                               "decodes (id: hash, reason: code)") != std::string::npos);

  nlohmann::json missing = nlohmann::json::parse(read_abi("parking"));
  missing["methods"].push_back({{"name", "renew"}, {"kind", "call"}, {"arguments", nlohmann::json::array()}});
  Status not_exported = chain.try_deploy("parking", code, missing.dump());
  REQUIRE_FALSE(not_exported.ok());
  CHECK(not_exported.message().find("ABI method 'renew' is not a function the module exports") != std::string::npos);

  Status no_abi = chain.try_deploy("parking", code, "");
  REQUIRE_FALSE(no_abi.ok());
  CHECK(no_abi.message().find("the module carries its ABI") != std::string::npos);

  Status too_large = chain.try_deploy("parking", code, std::string(33 * 1024, ' '));
  REQUIRE_FALSE(too_large.ok());
  CHECK(too_large.code() == Code::too_large);

  CHECK(chain.try_deploy("parking", code, read_abi("parking")).ok());
}

TEST_CASE("debug_print: a debug build deploys and prints on the dev chain only") {
  Bytes debug_code = read_contract("debug/parking");
  TestChain production;
  Status refused = production.try_deploy("parking", debug_code, read_abi("parking"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.message().find("debug_print, which only the dev chain offers") != std::string::npos);

  TestChain dev("govchain-dev");
  REQUIRE(dev.try_deploy("parking", debug_code, read_abi("parking")).ok());
  PublicKey office = key_of("office");
  dev.grant_role(office, "dev-city", "public_order_office");
  codec::Writer issue;
  issue.fixed(hash_of("permit"));
  issue.text("dev-city");
  issue.fixed(hash_of("commitment"));
  issue.text("markt");
  issue.i64(dev.time_ms);
  issue.i64(dev.time_ms + 86'400'000);
  Outcome issued = dev.call("parking", "issue", office, issue.data());
  CHECK_MESSAGE(issued.ok, issued.error);
}

TEST_CASE("the node's ABI checks: exports of a module without an ABI section, limits, argument bytes") {
  // (module (memory (export "memory") 1) (func (export "f"))), assembled by hand.
  const Bytes bare = *from_hex(
      "0061736d01000000"
      "010401600000"
      "03020100"
      "0503010001"
      "070e02066d656d6f727902000166" "0000"
      "0a040102000b");
  TestChain chain;
  Status unexported = chain.try_deploy("bare", bare, R"({"abi_version": 1, "methods": [{"name": "f"}, {"name": "g"}]})");
  REQUIRE_FALSE(unexported.ok());
  CHECK(unexported.message().find("ABI method 'g' is not a function the module exports") != std::string::npos);
  Status recursive = chain.try_deploy(
      "bare", bare,
      R"({"abi_version": 1, "types": {"node": [{"name": "next", "type": "list<node>"}]}, "methods": [{"name": "f"}]})");
  REQUIRE_FALSE(recursive.ok());
  CHECK(recursive.message().find("struct 'node' contains itself") != std::string::npos);
  CHECK(chain.try_deploy("bare", bare, "").ok());
  REQUIRE(chain.try_deploy("bare", bare,
                           R"({"abi_version": 1, "methods": [{"name": "f", "arguments": [
                                 {"name": "values", "type": "list<u32>"}, {"name": "day", "type": "date"}]}]})")
              .ok());
  Outcome forged_count = chain.call("bare", "f", key_of("caller"), *from_hex("ffffffff"));
  CHECK(forged_count.error.find("bare.f: argument 'values' (list<u32>) does not decode") != std::string::npos);
  codec::Writer good;
  good.count(2);
  good.u32(1);
  good.u32(2);
  good.text("2026-02-30");
  CHECK(chain.call("bare", "f", key_of("caller"), good.data()).ok);
  codec::Writer bad_date;
  bad_date.count(0);
  bad_date.text("30.02.2026");
  Outcome refused = chain.call("bare", "f", key_of("caller"), bad_date.data());
  CHECK(refused.error.find("argument 'day' (date) must be a date YYYY-MM-DD") != std::string::npos);
  CHECK(chain.call("bare", "g", key_of("caller"), {}).error.find("has no method 'g'") != std::string::npos);
}
