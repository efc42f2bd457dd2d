// Robustness of every contract method against arbitrary input: thousands of
// seeded random argument strings, built from plausible tokens (existing ids,
// municipality names, codes, times, list counts, raw bytes), sent by
// accounts with and without roles. Every call must end either normally or
// with a clean abort; never crash, never read out of bounds (this test is
// built with AddressSanitizer and UBSan where the compiler supports them).
// A failing seed is printed.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "govchain/test_support.h"

#define DECLARE_METHOD(contract, method) \
  namespace contract {                   \
  void method();                         \
  }
DECLARE_METHOD(identity, issue)
DECLARE_METHOD(identity, revoke)
DECLARE_METHOD(identity, rotate_key)
DECLARE_METHOD(identity, certificate)
DECLARE_METHOD(identity, verify)
DECLARE_METHOD(identity, attestation)
DECLARE_METHOD(identity, level_of)
DECLARE_METHOD(identity, key_history)
DECLARE_METHOD(landlord, issue)
DECLARE_METHOD(landlord, consume)
DECLARE_METHOD(landlord, revoke)
DECLARE_METHOD(landlord, verify)
DECLARE_METHOD(landlord, confirmation)
DECLARE_METHOD(dogpermit, issue)
DECLARE_METHOD(dogpermit, suspend)
DECLARE_METHOD(dogpermit, reinstate)
DECLARE_METHOD(dogpermit, revoke)
DECLARE_METHOD(dogpermit, renew_insurance)
DECLARE_METHOD(dogpermit, transfer)
DECLARE_METHOD(dogpermit, verify)
DECLARE_METHOD(dogpermit, permit)
DECLARE_METHOD(streetmusic, issue)
DECLARE_METHOD(streetmusic, revoke)
DECLARE_METHOD(streetmusic, verify_in_zone)
DECLARE_METHOD(streetmusic, permit)
DECLARE_METHOD(archive, anchor)
DECLARE_METHOD(archive, verify_root)
DECLARE_METHOD(archive, batch)
DECLARE_METHOD(archive, evidence_chain)
DECLARE_METHOD(parking, issue)
DECLARE_METHOD(parking, amend)
DECLARE_METHOD(parking, revoke)
DECLARE_METHOD(parking, certificate)
DECLARE_METHOD(parking, verify_in_zone)
DECLARE_METHOD(parking, zone_of)

using namespace test;
using govchain::mock::Method;

namespace {

struct Target {
  const char* contract;
  const char* method;
  Method function;
};

const Target targets[] = {
    {"identity", "issue", &identity::issue},
    {"identity", "revoke", &identity::revoke},
    {"identity", "rotate_key", &identity::rotate_key},
    {"identity", "certificate", &identity::certificate},
    {"identity", "verify", &identity::verify},
    {"identity", "attestation", &identity::attestation},
    {"identity", "level_of", &identity::level_of},
    {"identity", "key_history", &identity::key_history},
    {"landlord", "issue", &landlord::issue},
    {"landlord", "consume", &landlord::consume},
    {"landlord", "revoke", &landlord::revoke},
    {"landlord", "verify", &landlord::verify},
    {"landlord", "confirmation", &landlord::confirmation},
    {"dogpermit", "issue", &dogpermit::issue},
    {"dogpermit", "suspend", &dogpermit::suspend},
    {"dogpermit", "reinstate", &dogpermit::reinstate},
    {"dogpermit", "revoke", &dogpermit::revoke},
    {"dogpermit", "renew_insurance", &dogpermit::renew_insurance},
    {"dogpermit", "transfer", &dogpermit::transfer},
    {"dogpermit", "verify", &dogpermit::verify},
    {"dogpermit", "permit", &dogpermit::permit},
    {"streetmusic", "issue", &streetmusic::issue},
    {"streetmusic", "revoke", &streetmusic::revoke},
    {"streetmusic", "verify_in_zone", &streetmusic::verify_in_zone},
    {"streetmusic", "permit", &streetmusic::permit},
    {"archive", "anchor", &archive::anchor},
    {"archive", "verify_root", &archive::verify_root},
    {"archive", "batch", &archive::batch},
    {"archive", "evidence_chain", &archive::evidence_chain},
    {"parking", "issue", &parking::issue},
    {"parking", "amend", &parking::amend},
    {"parking", "revoke", &parking::revoke},
    {"parking", "certificate", &parking::certificate},
    {"parking", "verify_in_zone", &parking::verify_in_zone},
    {"parking", "zone_of", &parking::zone_of},
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : random_(seed) {}

  // Arguments of the types the ABI declares, with values from small pools,
  // so that calls get past decoding into the contracts' logic.
  ByteString typed_arguments(const nlohmann::json& arguments, int64_t now_ms) {
    Args args;
    for (const auto& argument : arguments) typed(args, argument.at("type").get<std::string>(), now_ms);
    return args;
  }

  ByteString arguments(int64_t now_ms) {
    Args args;
    int tokens = pick(9);
    for (int i = 0; i < tokens; ++i) token(args, now_ms);
    ByteString out = args;
    if (pick(6) == 0 && !out.empty()) out.resize(pick(static_cast<int>(out.size())));  // truncate
    if (pick(6) == 0 && !out.empty()) out[pick(static_cast<int>(out.size()))] ^= uint8_t(1 + pick(255));
    return out;
  }
  int pick(int bound) { return bound <= 0 ? 0 : static_cast<int>(random_() % uint64_t(bound)); }

 private:
  void token(Args& args, int64_t now_ms) {
    static const char* texts[] = {"aachen", "koeln",       "move_in", "move_out",  "2026-03-01",
                                  "basic",  "substantial", "high",    "sha256",    "muzzle",
                                  "markt",  "misuse",      "",        "Free Text", "x"};
    switch (pick(6)) {
      case 0:
        args.hash(id(std::string("id") + std::to_string(pick(4))));
        break;
      case 1:
        args.text(texts[pick(15)]);
        break;
      case 2: {
        const int64_t times[] = {0, now_ms, now_ms + day_ms, -1, INT64_MAX, now_ms - day_ms};
        args.i64(times[pick(6)]);
        break;
      }
      case 3:
        args.u64(uint64_t(pick(3)));
        break;  // also a list count followed by its half
      case 4:
        args.hash(govchain::mock::key_pair(std::to_string(pick(3))).public_key);
        break;
      default:
        args.bytes(ByteString(size_t(pick(80)), uint8_t(pick(256))));
        break;
    }
  }
  void typed(Args& args, const std::string& type, int64_t now_ms) {
    if (type == "hash") {
      args.hash(pick(8) == 0 ? Hash() : id(std::string("id") + std::to_string(pick(4))));
    } else if (type == "pubkey") {
      args.hash(govchain::mock::key_pair(std::to_string(pick(3))).public_key);
    } else if (type == "string" || type == "code" || type == "zone" || type == "name" || type == "date" ||
               type == "label") {
      static const char* texts[] = {"aachen", "koeln",     "move_in",        "2026-03-01", "substantial",
                                    "high",   "sha256",    "muzzle",         "markt",      "misuse",
                                    "",       "Free Text", "AC-ALTSTADT-03", "move_out",   "extended"};
      args.text(texts[pick(15)]);
    } else if (type == "i64") {
      const int64_t times[] = {0, now_ms, now_ms + day_ms, now_ms + 400 * day_ms, -1, now_ms - day_ms};
      args.i64(times[pick(6)]);
    } else if (type == "u64") {
      args.u64(uint64_t(pick(3)));
    } else if (type == "bytes") {
      args.bytes(ByteString(size_t(pick(80)), uint8_t(pick(256))));
    } else if (type == "signature") {
      govchain::Signature signature;
      for (auto& byte : signature.bytes) byte = uint8_t(pick(256));
      args.signature(signature);
    } else if (type == "list<code>") {
      int count = pick(4);
      args.count(uint32_t(count));
      for (int i = 0; i < count; ++i) args.text(pick(5) ? "muzzle" : "No Code");
    }
  }
  std::mt19937_64 random_;
};

const nlohmann::json& abi_arguments(const Target& target) {
  static std::map<std::string, nlohmann::json> abis;
  auto& abi = abis[target.contract];
  if (abi.is_null()) {
    std::ifstream file(std::string(GOVCHAIN_CONTRACTS_DIR) + "/" + target.contract + ".abi.json");
    REQUIRE(file.good());
    abi = nlohmann::json::parse(file);
  }
  for (const auto& method : abi.at("methods"))
    if (method.at("name") == target.method) return method.at("arguments");
  FAIL("method " << target.method << " missing from the ABI of " << target.contract);
  static const nlohmann::json none = nlohmann::json::array();
  return none;
}

// Invariants of every stored certificate record: it decodes, its history
// starts with the issuance, is ordered by height, and ends in its status.
void check_records(const govchain::mock::Host& host) {
  const std::string prefix = "cert/";
  for (const auto& contract_space : host.storage)
    for (const auto& [key, value] : contract_space.second) {
      const std::string& contract = contract_space.first;
      if (key.size() != prefix.size() + 32 || !std::equal(prefix.begin(), prefix.end(), key.begin())) continue;
      INFO(contract);
      govchain::cert::Certificate record =
          govchain::cert::decode_record(govchain::Bytes(value.data(), uint32_t(value.size())));
      REQUIRE(record.history.size > 0);
      CHECK(record.history[0].reason == "issued");
      CHECK(record.history.back().status == record.status);
      CHECK(record.issuer_authorized);
      for (uint32_t i = 1; i < record.history.size; ++i)
        CHECK(record.history[i - 1].height <= record.history[i].height);
    }
}

}  // namespace

TEST_CASE("every method ends normally or with a clean abort on arbitrary input") {
  govchain::mock::Host host;
  std::vector<govchain::mock::KeyPair> callers = {govchain::mock::key_pair("0"), govchain::mock::key_pair("1"),
                                                  govchain::mock::key_pair("2")};
  for (const char* role : {"identity_office", "registration_office", "public_order_office", "archive"}) {
    host.grant(callers[0].public_key, "aachen", role);
    host.grant(callers[1].public_key, "koeln", role);
  }
  const uint64_t seeds = 30000;
  size_t succeeded = 0;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    Generator generator(seed);
    const Target& target = targets[generator.pick(int(std::size(targets)))];
    const auto& caller = callers[size_t(generator.pick(3))];
    ByteString arguments = generator.pick(4) == 0 ? generator.arguments(host.time_ms)
                                                  : generator.typed_arguments(abi_arguments(target), host.time_ms);
    INFO("seed " << seed << ": " << target.contract << "." << target.method);
    govchain::mock::CallResult result;
    CHECK_NOTHROW(result = host.call(target.contract, target.function, caller.public_key, arguments));
    if (result.ok) ++succeeded;
    if (seed % 50 == 0) host.next_block(generator.pick(2) ? 1000 : day_ms);
    if (seed % 1000 == 0) check_records(host);
  }
  MESSAGE(succeeded << " of " << seeds << " random calls succeeded");
  CHECK(succeeded > 0);
}
