// The executor applies transactions to state, deterministically.
//
// Two kinds of failure are kept apart, as in Bitcoin Core's validation:
// a transaction that must never be in a block (bad nonce, gas limit below
// the intrinsic cost, ...) makes execute_tx() return an error, and a block
// containing it is invalid; a transaction that is valid but whose action
// fails (unauthorized grant, contract trap, ...) gets a receipt with a
// non-ok status, its nonce and gas consumed and its other state writes
// reverted. The chain's block rule (block/tx_rules.h) then leaves such a
// transaction out of the block entirely, undoing its nonce and gas too, so
// blocks hold only successful actions
// (docs/decisions/failed-calls-stay-off-chain.md).
// Executor holds only configuration; it is safe to share between threads
// as long as each thread uses its own Overlay.
#pragma once

#include <string>

#include "chain/block.h"
#include "chain/checked_tx.h"
#include "chain/genesis.h"
#include "execution/overlay.h"

namespace govchain::execution {

struct BlockContext {
  std::string chain_id;
  uint64_t height = 0;
  int64_t time_ms = 0;
  PublicKey proposer;
};

// Gas charged before any action runs. Documented in docs/api.md.
inline constexpr uint64_t gas_tx_base = 10'000;
inline constexpr uint64_t gas_per_tx_byte = 10;
inline constexpr uint64_t gas_role_change = 20'000;

// Wall-clock budget of one query (Executor::query), on top of its gas cap:
// queries come from unauthenticated clients and share the node's RPC
// threads. Far above what a query within its gas cap needs (docs/runtime.md).
inline constexpr uint64_t query_time_budget_ms_default = 200;

uint64_t intrinsic_gas(const chain::Tx& tx, size_t encoded_size_bytes);

class ContractHost;  // execution/contracts.h

class Executor {
 public:
  Executor(std::string chain_id, chain::Parameters parameters, const ContractHost* contracts = nullptr);

  Status apply_genesis(Overlay& state, const chain::Genesis& genesis) const;

  // Stateful admission: the nonce must be the account's next one (or, with
  // `allow_future_nonce`, within the look-ahead the mempool accepts) and the
  // gas limit must cover the intrinsic cost and stay under the maximum.
  Status check_tx(const StateReader& state, const chain::Tx& tx, size_t encoded_size_bytes,
                  bool allow_future_nonce) const;

  // Executes a checked transaction (its hash and size come with it) as
  // the `index`-th of a block. An error means the transaction must not be
  // in a block (nothing was written); otherwise its receipt, whose status
  // says whether the action succeeded. The transaction's writes stay
  // revertible: a caller that took state.checkpoint() before may still
  // revert them (block/executor.h does when a block rule leaves the
  // transaction out), and calls state.forget_undo() once it has decided.
  Result<chain::Receipt> execute_tx(Overlay& state, const chain::CheckedTx& checked, const BlockContext& context,
                                    uint32_t index) const;

  // Work at the end of every block, after its transactions: applies
  // validator set changes and shared-contract changes due at the next height
  // and expires undecided proposals (validator_governance.h,
  // consortium_governance.h). Returns the applied validator proposal ids.
  Result<std::vector<uint64_t>> end_block(Overlay& state, const BlockContext& context) const;

  // Read-only contract call for queries; never writes. Bounded by gas (at
  // most the genesis' query_gas_max) and by wall-clock time: a call still
  // running after `time_budget_ms` stops with a receipt of status `timeout`.
  // The time budget exists only here, never in block execution, where it
  // would make results depend on the machine.
  Result<chain::Receipt> query(const StateReader& state, const chain::ContractCall& call, const PublicKey& caller,
                               const BlockContext& context, uint64_t gas_limit,
                               uint64_t time_budget_ms = query_time_budget_ms_default) const;

  const chain::Parameters& parameters() const { return parameters_; }
  const std::string& chain_id() const { return chain_id_; }

 private:
  Status run_action(Overlay& state, const chain::Tx& tx, const BlockContext& context, uint64_t gas_available,
                    chain::Receipt& receipt) const;
  Status run_governance_action(Overlay& state, const chain::Tx& tx, const BlockContext& context,
                               chain::Receipt& receipt, bool& handled) const;
  std::string chain_id_;
  chain::Parameters parameters_;
  const ContractHost* contracts_;
};

Result<uint64_t> read_nonce(const StateReader& state, const PublicKey& account);

}  // namespace govchain::execution
