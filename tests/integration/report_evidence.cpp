// Test helper for integration.consensus_network: plays a Byzantine validator
// that signed two conflicting prevotes (with that validator's dev key) and
// has a second validator report them on chain, as the node does when it
// sees an equivocation.
//
//   report_evidence NODE_URL CHAIN_ID CHEATER_KEY REPORTER_KEY
//
// Prints the transaction's receipt status and the evidence hash; exit code 0
// only when the report was recorded.
#include <iostream>

#include "client/client.h"
#include "client/keys.h"
#include "consensus/certificate.h"
#include "crypto/hash.h"

using namespace govchain;

namespace {

int fail(const Status& status, std::string_view doing) {
  std::cerr << "report_evidence: " << doing << ": " << status.to_string() << "\n";
  return 1;
}

Bytes conflicting_prevotes(std::string_view chain_id, const crypto::KeyPair& cheater) {
  auto signer = consensus::make_schnorr_signer(cheater.secret);
  consensus::Vote one{consensus::VoteType::prevote, 3, 0, crypto::sha256(std::string("one block")), cheater.public_key};
  consensus::Vote other = one;
  other.block_id = crypto::sha256(std::string("another block"));
  return consensus::encode_evidence(consensus::make_evidence(consensus::sign_vote(chain_id, one, *signer),
                                                             consensus::sign_vote(chain_id, other, *signer)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: report_evidence NODE_URL CHAIN_ID CHEATER_KEY REPORTER_KEY\n";
    return 2;
  }
  client::KeyLoadOptions options;
  options.allow_dev_keys = true;
  auto cheater = client::load_key_file(argv[3], options);
  if (!cheater.ok()) return fail(cheater.status(), "loading the cheater's key");
  auto reporter = client::load_key_file(argv[4], options);
  if (!reporter.ok()) return fail(reporter.status(), "loading the reporter's key");
  auto node = client::Client::connect({.node_url = argv[1]});
  if (!node.ok()) return fail(node.status(), "connecting");
  Bytes evidence = conflicting_prevotes(argv[2], cheater->key_pair);
  auto tx = node->prepare_tx(reporter->key_pair, chain::EvidenceReport{evidence}, 200'000);
  if (!tx.ok()) return fail(tx.status(), "preparing the report");
  auto receipt = node->submit_and_wait(*tx, 60'000);
  if (!receipt.ok()) return fail(receipt.status(), "submitting the report");
  std::cout << code_name(receipt->status) << " " << crypto::tagged_hash(crypto::tags::evidence, evidence).hex()
            << "\n";
  return receipt->status == Code::ok ? 0 : 1;
}
