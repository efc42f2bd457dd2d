// Limits and defaults: every queue, buffer and loop in govchain has a bound,
// and every bound and default value lives here, once, so that a reviewer
// finds them in one place.
//
// Three kinds, kept apart by their names:
//  - hard bounds (`*_max` without a prefix in the first section): what every
//    node's decoders and checks refuse beyond, whatever a genesis file or a
//    node configuration says;
//  - defaults of the genesis parameters (`default_*`, chain::Parameters):
//    what a network gets when its genesis does not set a value; a genesis
//    may choose any value up to the hard bound of the same quantity;
//  - defaults of a node's configuration (`rpc_*`, `mempool_*`,
//    `empty_block_interval_ms`), named after the option that overrides them
//    (govchaind's command line and config file).
#pragma once

#include <cstdint>

namespace govchain::limits {

// ---- Hard bounds -----------------------------------------------------------

inline constexpr uint64_t tx_size_bytes_max = 128 * 1024;
inline constexpr uint64_t tx_payload_size_bytes_max = 120 * 1024;
// A whole encoded block (header, its certificate, framing, transactions).
inline constexpr uint64_t block_size_bytes_max = 8 * 1024 * 1024;
// The transactions of a block, in bytes: the block's bound less room for
// the header (whose certificate holds up to 1,024 signatures, about 96 KiB)
// and four bytes of framing per transaction.
inline constexpr uint64_t block_txs_size_bytes_max = block_size_bytes_max - 512 * 1024;
inline constexpr uint64_t block_txs_max = 20000;
// Future nonces accepted into the mempool beyond an account's next one.
inline constexpr uint64_t nonce_ahead_max = 64;
inline constexpr uint64_t state_key_size_bytes_max = 1024;
inline constexpr uint64_t state_value_size_bytes_max = 64 * 1024;
// A contract's ABI (JSON text), stored in its contract record beside the
// code: within the state value bound with room for the record's other fields
// (node/execution/contract_store.h). The ABI library (abi/abi.h) and the
// transaction decoder (chain/tx.h) both refuse beyond it.
inline constexpr uint64_t abi_size_bytes_max = 32 * 1024;

// ---- Defaults of the genesis parameters (chain::Parameters) ----------------

inline constexpr uint64_t default_block_interval_ms = 200;  // pause between blocks while transactions wait
inline constexpr uint64_t default_block_txs_max = 5000;
inline constexpr uint64_t default_block_size_bytes_max = 4 * 1024 * 1024;  // of a block's transactions
inline constexpr uint64_t default_tx_size_bytes_max = tx_size_bytes_max;
inline constexpr uint64_t default_gas_per_tx_max = 50'000'000;
inline constexpr uint64_t default_gas_per_block_max = 2'000'000'000;
inline constexpr uint64_t default_query_gas_max = 10'000'000;
inline constexpr uint64_t default_validator_change_delay_blocks = 10;
inline constexpr uint64_t default_validator_proposal_ttl_blocks = 10000;

// ---- Defaults of a node's configuration ------------------------------------

inline constexpr uint64_t mempool_size_bytes_max = 256ull * 1024 * 1024;
inline constexpr uint64_t mempool_txs_max = 200000;
// Expiry of a waiting transaction, and of one behind a nonce gap, from its
// arrival; one account's transactions in bytes at most (in count, one more
// than nonce_ahead_max covers every nonce it may queue).
inline constexpr uint64_t mempool_pending_ttl_ms = 10 * 60 * 1000;
inline constexpr uint64_t mempool_future_ttl_ms = 60 * 1000;
inline constexpr uint64_t mempool_account_size_bytes_max = 8 * 1024 * 1024;
inline constexpr uint64_t rpc_body_size_bytes_max = 4 * 1024 * 1024;
inline constexpr uint64_t rpc_connections_max = 256;
inline constexpr uint64_t rpc_timeout_ms = 10000;
inline constexpr uint64_t rpc_txs_per_request_max = 10000;  // transactions in one POST /v1/txs
// With no transaction waiting, a BFT proposer proposes an empty block this
// long after the previous one (the node config's empty_block_interval_ms).
inline constexpr uint64_t empty_block_interval_ms = 1000;

}  // namespace govchain::limits
