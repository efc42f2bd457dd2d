// govchain::client::Client: the C++ client of a govchain node's HTTP API.
//
// What it does: reads the chain (status, blocks, transaction receipts,
// account nonces), submits signed transactions and waits for their receipts,
// runs read-only contract queries, and reads state with a proof that it
// verifies itself, end to end, down to the validators' signatures (see
// verify.h), so a portal need not trust the node it asks.
//
// Errors: every call returns Status or Result<T>; nothing throws. A node's
// API error keeps the node's reason code and message (Code::unauthorized,
// Code::nonce_too_low, ...); transport failures are Code::unavailable (node
// not reachable) or Code::timeout; an answer that fails verification is
// Code::invalid; an answer that does not parse is Code::malformed.
//
// Ownership: a Client owns only its options (URL, timeouts). It keeps no
// connection open; each call opens and closes its own.
//
// Thread-safety: all member functions are const and may be called from
// several threads at once.
//
//   auto client = govchain::client::Client::connect({.node_url = "http://127.0.0.1:26657"});
//   if (!client.ok()) ...;
//   auto roles = client->roles(account, {});  // proven and verified
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/tx.h"
#include "client/api_types.h"
#include "client/http_transport.h"
#include "client/state_layout.h"
#include "client/verify.h"
#include "core/bytes.h"
#include "core/status.h"
#include "crypto/schnorr.h"

namespace govchain::client {

struct ClientOptions {
  std::string node_url = "http://127.0.0.1:26657";
  uint64_t request_timeout_ms = 10000;  // one HTTP exchange, connect included
  uint64_t response_size_bytes_max = 32 * 1024 * 1024;
  uint64_t poll_interval_ms = 100;  // submit_and_wait() polling period
  // For https:// node URLs: a PEM file of the CA certificates to trust
  // (only those); empty: the system's CA store. The certificate is always
  // checked and must name the URL's host.
  std::string tls_ca_file;
};

// What read_state_proven() and the calls built on it check against.
struct TrustOptions {
  // The validator set to check commit certificates against, normally from
  // the genesis file. Empty: use the set the node reports in /v1/status and
  // mark the result ValidatorSource::node_status.
  std::vector<PublicKey> validators;
  // Expected chain id; empty: accept the chain id of the node's /v1/status.
  std::string chain_id;
};

struct ProvenRoles {
  PublicKey account;
  std::vector<RoleEntry> roles;  // empty when the account holds none (proven absent)
  ProvenState proof;             // where and how it was proven
};

struct ProvenMunicipality {
  std::optional<MunicipalityRecord> municipality;  // nullopt: proven not to exist
  ProvenState proof;
};

class Client {
 public:
  // Checks the URL (no network traffic yet).
  static Result<Client> connect(ClientOptions options);

  const ClientOptions& options() const { return options_; }

  Result<NodeStatus> status() const;
  // GET /v1/status as the node sends it, unparsed: for tools that show
  // fields this SDK does not model (status() checks and types the rest).
  Result<std::string> status_text() const;
  // GET /healthz: ok once the node serves its API (no chain data checked).
  Status health() const;
  // The block at `height`, or the latest block for nullopt.
  Result<BlockInfo> block(std::optional<uint64_t> height) const;
  // Code::not_found when the node knows no such transaction.
  Result<TxStatus> tx_status(const Hash& hash) const;
  // The account's next nonce in committed state (pending transactions of the
  // account are not counted).
  Result<uint64_t> next_nonce(const PublicKey& account) const;

  // Sends a signed transaction; on acceptance returns its hash (the node's
  // answer is checked against chain::tx_hash(tx)).
  Result<Hash> submit(const chain::Tx& tx) const;
  // Sends up to limits::rpc_txs_per_request_max signed transactions in one
  // request (POST /v1/txs with an array; Code::too_large beyond, nothing
  // sent). The node checks and admits each on its own: the answer has one
  // outcome per transaction, in order — its hash (checked against
  // chain::tx_hash) or the reason the node refused it. A request that
  // fails as a whole (connection, HTTP error) is the outer error.
  Result<std::vector<Result<Hash>>> submit_batch(const std::vector<chain::Tx>& txs) const;
  // Submits and polls /v1/txs/{hash} until the transaction is committed,
  // then returns its receipt. A transaction the node reports "dropped" (a
  // block builder left it out because its action failed or its sender is
  // unknown: it will never be committed) ends the wait at once with the
  // drop's reason code and message. Code::timeout after `timeout_ms`.
  Result<chain::Receipt> submit_and_wait(const chain::Tx& tx, uint64_t timeout_ms) const;
  Result<chain::Receipt> wait_for_receipt(const Hash& hash, uint64_t timeout_ms) const;

  // Builds and signs a transaction for this node's chain with `key_pair`'s
  // next nonce (two requests: /v1/status and /v1/accounts).
  Result<chain::Tx> prepare_tx(const crypto::KeyPair& key_pair, chain::Action action, uint64_t gas_limit) const;

  // State read with its proof, not verified (for tools that verify later):
  // at the head, or after the block at `height`.
  Result<StateRead> read_state(ByteView key, std::optional<uint64_t> height = std::nullopt) const;
  // The validator set that decides block `height`, followed from
  // trust.validators (the genesis set) through every validator set change
  // the node lists in /v1/validators/history: each new set is read from
  // state with a proof against the block before its activation, certified
  // by the set before it. A node that hides a change cannot make a wrong
  // set pass; the check of the later block then fails.
  Result<std::vector<PublicKey>> validators_at(uint64_t height, const TrustOptions& trust) const;
  // State read verified end to end against the block at the proof's height
  // and its commit certificate (verify_state_read in verify.h). With a
  // trusted set that no longer decides that block, the set is followed
  // with validators_at().
  Result<ProvenState> read_state_proven(ByteView key, const TrustOptions& trust) const;
  // The roles of `account`, read through read_state_proven().
  Result<ProvenRoles> roles(const PublicKey& account, const TrustOptions& trust) const;
  // A municipality record ("g/m/<id>"), read through read_state_proven().
  Result<ProvenMunicipality> municipality(std::string_view id, const TrustOptions& trust) const;

  // The validator set, the member municipalities and the pending validator
  // proposals (GET /v1/validators), and one proposal
  // (GET /v1/validators/proposals/{id}; Code::not_found when there is none).
  // As the node reports them, not proven: for a proof, read the state keys
  // "g/v" and "g/vp/<id>" with read_state_proven().
  Result<ValidatorGovernanceInfo> validator_governance() const;
  Result<ValidatorProposalInfo> validator_proposal(uint64_t id) const;

  // Read-only contract call (POST /v1/query) on the node's latest state; the
  // result is not proven. `caller` defaults to the zero key.
  Result<chain::Receipt> query(std::string_view contract, std::string_view method, ByteView arguments,
                               std::optional<PublicKey> caller = std::nullopt) const;

 private:
  Client(ClientOptions options, detail::HttpEndpoint endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)) {}
  // Activation heights of validator set changes, ascending, distinct.
  Result<std::vector<uint64_t>> validator_change_heights() const;
  // One exchange; a non-2xx answer becomes the node's error Status.
  Result<std::string> call(std::string_view method, std::string_view target, std::string_view body) const;

  ClientOptions options_;
  detail::HttpEndpoint endpoint_;
};

}  // namespace govchain::client
