// The node's JSON API (docs/api.md) on top of HttpServer.
//
// The routes read and submit through NodeService, which the app layer
// implements; this keeps the API testable without a running chain.
// Thread-safety: NodeService methods are called from several server threads
// at once and must be thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chain/block.h"
#include "core/limits.h"
#include "execution/overlay.h"
#include "rpc/http_server.h"
#include "state/proof.h"

namespace govchain::rpc {

// The head as the routes report it: chain::ChainHead (chain/block.h).
using chain::ChainHead;

struct ProvenState {
  std::optional<Bytes> value;
  state::StateProof proof;
  ChainHead head;  // the block whose state root the proof is against
};

// A peer as the p2p layer and its status announcements see it.
struct PeerInfo {
  PublicKey public_key;
  std::string address;
  bool connected = false;
  bool outbound = false;
  uint64_t height = 0;  // latest committed height it announced (0: none yet)
  uint64_t round_trip_ms = 0;
  std::string last_error;
};

// The consensus state of a validator node, for /v1/status.
struct ConsensusInfo {
  uint64_t height = 0;  // being decided
  uint32_t round = 0;
  std::string step;
  bool catching_up = false;
  uint64_t best_peer_height = 0;
  uint64_t evidence_count = 0;
  std::vector<PeerInfo> peers;
};

class NodeService {
 public:
  virtual ~NodeService() = default;
  virtual std::string chain_id() const = 0;
  virtual ChainHead head() const = 0;
  virtual std::vector<PublicKey> validators() const = 0;
  virtual size_t mempool_size() const = 0;
  // Offers the canonical encoding of a transaction to the mempool through
  // the node's one admission function (block::admit_tx, docs/api.md); its
  // hash when admitted, otherwise the reason code and message a client can
  // act on.
  virtual Result<Hash> submit(Bytes encoded_tx) = 0;
  // Several transactions of one request, each admitted or refused on its
  // own as by submit(), answered in order. A node may check them in
  // parallel; this default submits them one by one.
  virtual std::vector<Result<Hash>> submit_batch(std::vector<Bytes> encoded_txs) {
    std::vector<Result<Hash>> results;
    results.reserve(encoded_txs.size());
    for (auto& encoded : encoded_txs) results.push_back(submit(std::move(encoded)));
    return results;
  }
  virtual bool is_pending(const Hash& hash) const = 0;
  // Why a block builder on this node left the transaction out, while the
  // node remembers (in memory only: mempool/outcomes.h).
  virtual std::optional<Status> dropped(const Hash&) const { return std::nullopt; }
  virtual Result<chain::Block> block(uint64_t height) const = 0;
  virtual Result<chain::CommitCertificate> commit(uint64_t height) const = 0;
  virtual Result<chain::Receipt> receipt(const Hash& tx_hash) const = 0;
  // The value of `key` at the head, or after the block at `height`, with a
  // proof against that block's state root.
  virtual Result<ProvenState> prove(ByteView key, std::optional<uint64_t> height) const = 0;
  virtual Result<uint64_t> next_nonce(const PublicKey& account) const = 0;
  // The nonce a new transaction should use: after the pending ones.
  virtual Result<uint64_t> pending_nonce(const PublicKey& account) const = 0;
  virtual std::string genesis_json() const = 0;
  virtual Hash genesis_hash() const = 0;
  // The state of the block `head` names (no proofs): several reads from it
  // belong to that one block even while newer blocks are committed. Valid
  // while the service lives.
  virtual std::unique_ptr<execution::StateReader> state_at(const ChainHead& head) const = 0;
  // Read-only contract call at the head.
  virtual Result<chain::Receipt> query(const chain::ContractCall& call, const PublicKey& caller,
                                       uint64_t gas_limit) const = 0;
  // Consensus state and peers; nullopt for a single-validator (dev) node.
  virtual std::optional<ConsensusInfo> consensus_info() const { return std::nullopt; }
};

struct ApiLimits {
  size_t txs_per_request_max = limits::rpc_txs_per_request_max;
};

// Registers every /v1 route and the /v1/events WebSocket on `server`.
// `service` must outlive the server.
Status register_api(HttpServer& server, NodeService& service, ApiLimits limits = {});

// Text of the WebSocket message announcing a committed block and its
// transactions' results.
std::string block_event_json(const chain::Block& block, const std::vector<chain::Receipt>& receipts);
// The same from the block's header and transaction count, for callers that
// build the text after handing the block itself on.
std::string block_event_json(const chain::Header& header, size_t tx_count, const std::vector<chain::Receipt>& receipts);

}  // namespace govchain::rpc
