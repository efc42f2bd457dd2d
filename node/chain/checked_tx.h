// CheckedTx: a transaction that passed the stateless checks, together with
// the canonical bytes it came in, its hash and its size — each computed
// once, where the bytes enter the node, and then only read.
//
// check_tx() is the only way to make one: it bounds the size before
// decoding, decodes (the decoder accepts only the canonical encoding, so
// the bytes are what encode_tx would write), hashes the signed body
// straight from the bytes, and runs check_tx_stateless (chain id, names,
// sizes, the BIP340 signature). Whoever holds a CheckedTx can rely on all of
// that: the mempool keeps it, gossip sends its bytes, the block builder
// takes its hash for the transactions root, and the executor charges gas by
// its size — nobody encodes or hashes it again. Stateful rules (nonce, gas,
// who may submit) come after, in block::admit_tx and in execution.
//
// A CheckedTx is immutable and cheap to copy (copies share one buffer);
// safe to read from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "chain/tx.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::chain {

class CheckedTx;

// What check_tx checks against, and two optional hooks of the caller.
struct TxCheck {
  std::string_view chain_id;
  uint64_t tx_size_bytes_max = 0;  // the genesis parameter (at most limits::tx_size_bytes_max)
  // Runs after decoding, hashing and the field checks and before the
  // signature is verified, so that a caller refuses what is cheap to refuse
  // (a copy already pending, a nonce already used) without paying for a
  // signature check.
  std::function<Status(const Tx& tx, const Hash& hash)> precheck;
  // True when exactly this transaction (hash and signature) had its
  // signature verified before, for example while it waited in this node's
  // mempool: check_tx then skips only the signature verification.
  std::function<bool(const Hash& hash, const Signature& signature)> verified_before;
};

// Decodes and checks `bytes` against `rules`, in this order: the size
// (too_large, before decoding), decoding (malformed), the fields
// (check_tx_content: wrong_chain, invalid), `rules.precheck`, the signature
// (bad_signature).
Result<CheckedTx> check_tx(Bytes bytes, const TxCheck& rules);
// The same for a transaction built and signed here (an evidence report,
// tests): encodes it once and checks the bytes.
Result<CheckedTx> check_tx(const Tx& tx, const TxCheck& rules);

class CheckedTx {
 public:
  const Tx& tx() const { return content_->tx; }
  // The canonical encoding (encode_tx(tx()) gives the same bytes).
  const Bytes& bytes() const { return content_->bytes; }
  // tx_hash(tx()): the tagged hash of the signed body.
  const Hash& hash() const { return content_->hash; }
  size_t size_bytes() const { return content_->bytes.size(); }

 private:
  struct Content {
    Tx tx;
    Bytes bytes;
    Hash hash;
  };
  explicit CheckedTx(std::shared_ptr<const Content> content) : content_(std::move(content)) {}
  friend Result<CheckedTx> check_tx(Bytes bytes, const TxCheck& rules);
  std::shared_ptr<const Content> content_;
};

// The transaction hash computed from a canonical encoding, without
// decoding: the tagged hash of everything before the trailing signature.
// Precondition: `encoded` is at least a signature long.
Hash tx_hash_of_encoding(ByteView encoded);

}  // namespace govchain::chain
