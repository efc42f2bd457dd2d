#include "chain/checked_tx.h"

#include "crypto/hash.h"
#include "crypto/schnorr.h"

namespace govchain::chain {

Hash tx_hash_of_encoding(ByteView encoded) {
  assert(encoded.size() >= Signature::size_bytes);
  return crypto::tagged_hash(crypto::tags::tx, encoded.first(encoded.size() - Signature::size_bytes));
}

Result<CheckedTx> check_tx(Bytes bytes, const TxCheck& rules) {
  // Bounded before anything is decoded: the bytes come from outside.
  if (bytes.size() > rules.tx_size_bytes_max)
    return error(Code::too_large, "transaction has " + std::to_string(bytes.size()) + " bytes, limit is " +
                                      std::to_string(rules.tx_size_bytes_max));
  auto tx = decode_tx(bytes);
  if (!tx.ok()) return error(Code::malformed, "transaction does not decode: " + tx.status().message());
  // The decoder accepts only the canonical encoding, which ends with the
  // signature, so the signed body is the bytes before it.
  Hash hash = tx_hash_of_encoding(bytes);
  GOVCHAIN_TRY(check_tx_content(*tx, rules.chain_id, bytes.size(), rules.tx_size_bytes_max));
  if (rules.precheck) GOVCHAIN_TRY(rules.precheck(*tx, hash));
  if (!rules.verified_before || !rules.verified_before(hash, tx->signature))
    GOVCHAIN_TRY(check_tx_signature(*tx, hash));
  auto content = std::make_shared<const CheckedTx::Content>(CheckedTx::Content{std::move(*tx), std::move(bytes), hash});
  return CheckedTx(std::move(content));
}

Result<CheckedTx> check_tx(const Tx& tx, const TxCheck& rules) { return check_tx(encode_tx(tx), rules); }

}  // namespace govchain::chain
