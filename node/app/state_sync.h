// State sync, the joining side: a node with an empty data folder fetches
// the state of a recent block from its peers instead of executing every
// block from the genesis (docs/operations.md, "Joining by state sync";
// docs/p2p.md, "State sync").
//
// run_state_sync() runs before the node opens its chain:
//  1. it dials the configured peers (its own p2p transport, closed again
//     at the end) and asks each which snapshot it offers: the latest
//     block, or the operator's trusted height;
//  2. it fetches that block with its commit certificate and checks the
//     certificate against the validator set it trusts: the genesis set, or
//     any set when the block's hash is the operator's trusted hash (the
//     set must then hash to the header's validator_set_hash); a peer whose
//     block or set does not check is dropped and the next offer is tried;
//  3. it records in the store that a sync of that block is under way, then
//     fetches the state tree's records from the root down in bounded
//     requests, several peers at once, each record checked against its hash
//     before it is written (state::StateImporter); a peer that sends a
//     wrong or oversized record, or does not answer in time, is dropped and
//     its records are asked of another;
//  4. it checks the whole written tree against the header's state root
//     again, leaves the marker file state-synced.json for the double-sign
//     guard, and writes, in one synced batch, the state's root, the block
//     with its certificate and the set that signed it (chain::BlockStore::
//     commit_synced), and removes the record of step 3.
// A crash before step 4 leaves the record of step 3: the next start with
// state sync on resumes (records already written are checked and kept); a
// start without it is refused with a message that says so
// (check_no_unfinished_state_sync). The node then catches up the blocks
// after the sync height from its peers as usual.
//
// Thread-safety: run_state_sync blocks its caller; the store must not be
// used by anything else meanwhile.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "consensus/messages.h"
#include "core/clock.h"
#include "core/status.h"
#include "crypto/schnorr.h"
#include "p2p/transport.h"
#include "storage/store.h"

namespace govchain::app {

// The operator's settings (settings table: state_sync, state_sync_*).
struct StateSyncSettings {
  bool enabled = false;
  // A block the operator trusts (from another member's node, `govchain
  // block HEIGHT`): its height and hash (64 hex). Both or neither; needed
  // when the validator set changed since the genesis.
  uint64_t trust_height = 0;
  std::string trust_hash;
  // The whole sync at most, and one request to one peer at most.
  uint64_t timeout_ms = 1'800'000;
  uint64_t request_timeout_ms = 10'000;
  // How long offers are gathered after the first one arrived.
  uint64_t offer_wait_ms = 2'000;
};

struct StateSyncContext {
  StateSyncSettings settings;
  std::string chain_id;
  Hash genesis_hash;
  consensus::ValidatorSet genesis_validators;
  crypto::KeyPair key;  // this node's key, for the p2p sessions
  std::vector<p2p::PeerAddress> peers;
  std::filesystem::path data_dir;  // where state-synced.json goes
  const Clock* clock = nullptr;    // the machine's when null
};

struct StateSyncReport {
  uint64_t height = 0;
  Hash block_hash;
  Hash state_root;
  uint64_t pages = 0;
  uint64_t leaves = 0;
  uint64_t found_locally = 0;  // records kept from an interrupted sync
  uint64_t received_bytes = 0;
  uint64_t requests = 0;
  size_t peers_dropped = 0;
  uint64_t elapsed_ms = 0;
};

// Whether `store` holds an unfinished state sync (step 3 above), and of
// which height.
Result<std::optional<uint64_t>> unfinished_state_sync(const storage::KeyValueStore& store);
// Records (synced) that a sync of the block `height`, `block_hash` is under
// way in `store`; commit_synced's batch removes it.
Status record_state_sync_started(storage::KeyValueStore& store, uint64_t height, const Hash& block_hash);
// The record's key, for the batch that finishes the sync.
const Bytes& state_sync_progress_key();
// Code::invalid with what to do when `store` holds an unfinished state sync
// and state sync is off.
Status check_no_unfinished_state_sync(const storage::KeyValueStore& store, const std::filesystem::path& data_dir);

// Precondition: the store holds no block (an empty folder, or an
// unfinished sync). Errors name what failed; the folder then resumes or is
// refused as described above.
Result<StateSyncReport> run_state_sync(const StateSyncContext& context, storage::KeyValueStore& store);

}  // namespace govchain::app
