// Test helper for the hostile suite: signs and submits transactions no
// honest client makes, and measures whether an admin still gets through.
//
//   hostile_tx non-utf8-grant NODE_URL ADMIN_KEY
//     An admin's role_grant whose municipality is the bytes FF FE. Exit 0
//     when the node refuses it (prints the code), 1 when it accepts it.
//   hostile_tx flood NODE_URL ADMIN_KEY MUNICIPALITY KEYS NONCES
//     KEYS fresh keys each submit a transaction (all must be refused with
//     unknown_account); the admin grants each of them a role (waits for the
//     last grant); each role holder then submits NONCES transactions with
//     future nonces 1..NONCES (nonce 0 left open, so none can run); then the
//     admin's own grant must commit within 5 s. Prints the counts and the
//     admin's time; exit 0 when every expectation held.
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/keys.h"
#include "client/tx_builder.h"
#include "crypto/schnorr.h"

using namespace govchain;

namespace {

constexpr uint64_t gas_limit = 1'000'000;

int fail(const Status& status, std::string_view doing) {
  std::cerr << "hostile_tx: " << doing << ": " << status.to_string() << "\n";
  return 1;
}

Result<chain::Tx> signed_grant(const std::string& chain_id, const crypto::KeyPair& sender, uint64_t nonce,
                               std::string municipality, const PublicKey& account) {
  return client::make_tx(chain_id, sender, nonce, gas_limit,
                         chain::RoleGrant{std::move(municipality), "archive", account});
}

int non_utf8_grant(const client::Client& node, const crypto::KeyPair& admin) {
  auto status = node.status();
  if (!status.ok()) return fail(status.status(), "reading the node's status");
  auto nonce = node.next_nonce(admin.public_key);
  if (!nonce.ok()) return fail(nonce.status(), "reading the admin's nonce");
  auto tx =
      signed_grant(status->chain_id, admin, *nonce, std::string("\xFF\xFE", 2), crypto::generate_key_pair().public_key);
  if (!tx.ok()) {
    // Refused before signing is as good as a refusal by the node, but the
    // node's check is what this helper exists for: sign by hand.
    chain::Tx raw;
    raw.chain_id = status->chain_id;
    raw.sender = admin.public_key;
    raw.nonce = *nonce;
    raw.gas_limit = gas_limit;
    raw.action = chain::RoleGrant{std::string("\xFF\xFE", 2), "archive", crypto::generate_key_pair().public_key};
    chain::sign_tx(raw, admin.secret);
    tx = raw;
  }
  auto submitted = node.submit(*tx);
  if (submitted.ok()) {
    std::cout << "accepted " << submitted->hex() << "\n";
    return 1;
  }
  std::cout << "refused " << code_name(submitted.status().code()) << ": " << submitted.status().message() << "\n";
  return 0;
}

int flood(const client::Client& node, const crypto::KeyPair& admin, const std::string& municipality, size_t key_count,
          uint64_t nonces) {
  auto status = node.status();
  if (!status.ok()) return fail(status.status(), "reading the node's status");
  const std::string& chain_id = status->chain_id;
  std::vector<crypto::KeyPair> keys;
  for (size_t index = 0; index < key_count; ++index) keys.push_back(crypto::generate_key_pair());
  size_t unknown_refused = 0;
  for (const auto& key : keys) {
    auto tx = signed_grant(chain_id, key, 0, municipality, key.public_key);
    if (!tx.ok()) return fail(tx.status(), "signing");
    auto submitted = node.submit(*tx);
    if (!submitted.ok() && submitted.status().code() == Code::unknown_account) ++unknown_refused;
  }
  std::cout << "fresh keys refused with unknown_account: " << unknown_refused << " of " << key_count << "\n";
  auto admin_nonce = node.next_nonce(admin.public_key);
  if (!admin_nonce.ok()) return fail(admin_nonce.status(), "reading the admin's nonce");
  Hash last_grant;
  for (size_t index = 0; index < key_count; ++index) {
    auto tx = signed_grant(chain_id, admin, *admin_nonce + index, municipality, keys[index].public_key);
    if (!tx.ok()) return fail(tx.status(), "signing a grant");
    auto submitted = node.submit(*tx);
    if (!submitted.ok()) return fail(submitted.status(), "submitting a grant");
    last_grant = *submitted;
  }
  auto granted = node.wait_for_receipt(last_grant, 60'000);
  if (!granted.ok()) return fail(granted.status(), "waiting for the grants");
  size_t flood_accepted = 0;
  size_t flood_refused = 0;
  for (const auto& key : keys) {
    for (uint64_t nonce = 1; nonce <= nonces; ++nonce) {
      auto tx = signed_grant(chain_id, key, nonce, municipality, key.public_key);
      if (!tx.ok()) return fail(tx.status(), "signing a flood transaction");
      if (node.submit(*tx).ok())
        ++flood_accepted;
      else
        ++flood_refused;
    }
  }
  std::cout << "future-nonce flood of " << key_count << " role holders: " << flood_accepted << " accepted, "
            << flood_refused << " refused\n";
  auto next = node.next_nonce(admin.public_key);
  if (!next.ok()) return fail(next.status(), "reading the admin's nonce");
  auto tx = signed_grant(chain_id, admin, *next, municipality, crypto::generate_key_pair().public_key);
  if (!tx.ok()) return fail(tx.status(), "signing the admin's grant");
  const auto started = std::chrono::steady_clock::now();
  auto receipt = node.submit_and_wait(*tx, 5'000);
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (!receipt.ok()) return fail(receipt.status(), "the admin's grant during the flood");
  std::cout << "the admin's grant committed in " << elapsed_ms << " ms during the flood\n";
  return unknown_refused == key_count && elapsed_ms <= 5'000 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const bool grant = args.size() == 3 && args[0] == "non-utf8-grant";
  const bool flooding = args.size() == 6 && args[0] == "flood";
  if (!grant && !flooding) {
    std::cerr << "usage: hostile_tx non-utf8-grant NODE_URL ADMIN_KEY\n"
                 "       hostile_tx flood NODE_URL ADMIN_KEY MUNICIPALITY KEYS NONCES\n";
    return 2;
  }
  client::KeyLoadOptions options;
  options.allow_dev_keys = true;
  auto admin = client::load_key_file(args[2], options);
  if (!admin.ok()) return fail(admin.status(), "loading the admin's key");
  auto node = client::Client::connect({.node_url = args[1]});
  if (!node.ok()) return fail(node.status(), "connecting");
  if (grant) return non_utf8_grant(*node, admin->key_pair);
  return flood(*node, admin->key_pair, args[3], std::stoul(args[4]), std::stoull(args[5]));
}
