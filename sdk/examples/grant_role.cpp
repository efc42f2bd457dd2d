// Example for portal developers: grant a municipality role with the govchain
// C++ client SDK, wait until it is committed, and read the roles back with a
// state proof that the client verifies itself (proof -> state root -> block
// header -> validators' commit signatures).
//
//   example_grant_role NODE_URL ADMIN_KEY_FILE MUNICIPALITY ROLE ACCOUNT_PUBKEY [GENESIS_FILE]
//
// The admin key file is normally encrypted: set GOVCHAIN_KEY_PASSPHRASE. A
// plaintext dev key (govchaind --dev) is accepted only when GOVCHAIN_DEV=1.
// With GENESIS_FILE, proofs are checked against the validator set of the
// genesis file (the network's root of trust) instead of the node's word.
//
// Copy this file; link your program with the CMake target govchain_client.
#include <cstdlib>
#include <iostream>
#include <string>

#include "chain/genesis.h"
#include "client/client.h"
#include "client/keys.h"
#include "client/tx_builder.h"

namespace {

int fail(const std::string& step, const govchain::Status& status) {
  std::cerr << "grant_role: " << step << ": " << status.to_string() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace govchain;
  if (argc < 6 || argc > 7) {
    std::cerr << "usage: " << argv[0] << " NODE_URL ADMIN_KEY_FILE MUNICIPALITY ROLE ACCOUNT_PUBKEY [GENESIS_FILE]\n";
    return 2;
  }
  const std::string node_url = argv[1], key_path = argv[2], municipality = argv[3], role = argv[4];

  // 1. Connect (no traffic yet) and load the signing key.
  auto node = client::Client::connect({.node_url = node_url});
  if (!node.ok()) return fail("node URL", node.status());
  client::KeyLoadOptions key_options;
  const char* dev = std::getenv("GOVCHAIN_DEV");
  key_options.allow_dev_keys = dev != nullptr && std::string(dev) == "1";
  auto admin = client::load_key_file(key_path, key_options);
  if (!admin.ok()) return fail("loading the admin key", admin.status());
  auto account = PublicKey::from_hex_string(argv[5]);
  if (!account.ok()) return fail("account public key", account.status());

  // 2. Optional root of trust: the validator set and chain id from genesis.
  client::TrustOptions trust;
  if (argc == 7) {
    auto text = client::read_small_file(argv[6], 64 * 1024 * 1024);
    if (!text.ok()) return fail("reading genesis", text.status());
    auto genesis = chain::parse_genesis(*text);
    if (!genesis.ok()) return fail("parsing genesis", genesis.status());
    trust.validators = chain::validator_keys(*genesis);
    trust.chain_id = genesis->chain_id;
  }

  // 3. Build the action, sign it with the next nonce, submit, and wait.
  auto action = client::role_grant_action(municipality, role, *account);
  if (!action.ok()) return fail("building the grant", action.status());
  auto tx = node->prepare_tx(admin->key_pair, *action, client::default_gas_limit);
  if (!tx.ok()) return fail("preparing the transaction", tx.status());
  auto receipt = node->submit_and_wait(*tx, /*timeout_ms=*/30000);
  if (!receipt.ok()) return fail("submitting", receipt.status());
  if (receipt->status != Code::ok) return fail("the chain refused the grant", error(receipt->status, receipt->message));
  std::cout << "granted " << role << " in " << municipality << " in block " << receipt->height << "\n";

  // 4. Read the roles back with a verified proof.
  auto roles = node->roles(*account, trust);
  if (!roles.ok()) return fail("reading roles", roles.status());
  for (const auto& entry : roles->roles) std::cout << "  " << entry.municipality << " " << entry.role << "\n";
  const client::ProvenState& proof = roles->proof;
  std::cout << "verified against state root " << proof.state_root.hex() << " of block " << proof.height
            << ", signed by " << proof.commit.signatures_valid << "/" << proof.commit.validators_total
            << " validators (validator set: "
            << (proof.validator_source == client::ValidatorSource::caller ? "genesis file" : "reported by the node")
            << ")\n";
  return 0;
}
