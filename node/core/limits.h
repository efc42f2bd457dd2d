// Default limits. Every queue, buffer and loop in govchain has a bound; the
// defaults live here so that a reviewer finds them in one place. Most are
// overridable from genesis parameters or node configuration.
#pragma once

#include <cstdint>

namespace govchain::limits {

inline constexpr uint64_t tx_size_bytes_max = 128 * 1024;
inline constexpr uint64_t tx_payload_size_bytes_max = 120 * 1024;
inline constexpr uint64_t block_size_bytes_max = 8 * 1024 * 1024;
inline constexpr uint64_t block_txs_max = 20000;
inline constexpr uint64_t mempool_size_bytes_max = 256ull * 1024 * 1024;
inline constexpr uint64_t mempool_txs_max = 200000;
inline constexpr uint64_t nonce_ahead_max = 64;          // future nonces accepted into the pool
inline constexpr uint64_t rpc_body_size_bytes_max = 4 * 1024 * 1024;
inline constexpr uint64_t rpc_connections_max = 256;
inline constexpr uint64_t rpc_timeout_ms = 10000;
inline constexpr uint64_t state_key_size_bytes_max = 1024;
inline constexpr uint64_t state_value_size_bytes_max = 64 * 1024;
inline constexpr uint64_t gas_per_tx_max = 50'000'000;
inline constexpr uint64_t gas_per_block_max = 2'000'000'000;
inline constexpr uint64_t decode_list_length_max = 1'000'000;  // entries in one codec list

}  // namespace govchain::limits
