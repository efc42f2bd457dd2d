// State sync: copying the whole state tree at one root from other nodes,
// record by record, each record checked against the hash it was asked for.
//
// The tree's pages and leaf records are content-addressed (docs/state.md,
// section 3): a page's slots hash up to the page's hash, a leaf record's key
// and value hash to its leaf hash. So a node that trusts a state root (from
// a header whose commit certificate it verified) can ask anyone for the
// root's page, check it, learn its children's hashes from it, ask for them,
// and so on down to the leaves: every record is checked against a hash that
// a checked record (or the root) named before it is written, and a wrong,
// tampered or oversized record is refused with the peer that sent it.
//
// StateImporter keeps the records still wanted (in memory) and writes each
// checked record at once, with the flat index of each leaf; finish() checks
// the whole written tree again from the root (every page and leaf re-read
// from the store and re-hashed, each leaf's flat-index entry compared) and
// only then writes the latest root and the version counter, which make the
// state usable. An importer that is created again on a store that holds a
// part of the records (a crash in the middle) finds those records locally,
// checks them, and asks only for the rest.
//
// read_state_record serves the other side: the stored record of one page
// or leaf, as it is, for a peer that asked for it by hash.
//
// Ownership: the importer references the store, which must outlive it.
// Thread-safety: an importer is used by one thread; read_state_record is as
// thread-safe as the store.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "storage/store.h"

namespace govchain::state {

enum class RecordKind : uint8_t { page = 1, leaf = 2 };

// One record a syncing node asks for. The depth is the syncing node's own
// bookkeeping (a page is only accepted at the depth its parent gave it) and
// does not travel.
struct WantedRecord {
  RecordKind kind = RecordKind::page;
  Hash hash;
  uint32_t depth = 0;
  bool operator==(const WantedRecord&) const = default;
};

// The largest record of either kind a peer may send: a full page, or a leaf
// of the largest key and value the tree takes (limits.h) with its header.
size_t state_record_size_bytes_max();

// The stored record of the page or leaf with `hash`, byte for byte;
// Code::not_found when this store does not hold it.
Result<Bytes> read_state_record(const storage::KeyValueStore& store, RecordKind kind, const Hash& hash);

// Erases the flat index (every latest value) of `store`. An import that
// resumes at another root than the interrupted one calls it first, so that
// no value of the old root stays in the index; the import writes the index
// of every leaf it takes, found or fetched.
Status clear_latest_values(storage::KeyValueStore& store);

struct ImportProgress {
  uint64_t pages = 0;           // pages checked and written (or found)
  uint64_t leaves = 0;          // leaves likewise
  uint64_t found_locally = 0;   // of those, already in the store (a resumed import)
  uint64_t received_bytes = 0;  // bytes of records accepted from peers
  size_t wanted = 0;            // records still to fetch
};

class StateImporter {
 public:
  // Imports the state with `root` into `store`; `version` is the number the
  // written records and the version counter get (the chain's: height + 1).
  // Records of `root` already in the store are checked and taken over.
  // Precondition: the root is not the empty root (a chain's state always
  // holds the genesis's keys, so its root is a page).
  StateImporter(storage::KeyValueStore& store, const Hash& root, uint64_t version);

  // Up to `count_max` records to ask for next (they stay wanted until
  // accepted); empty when none is left to ask for. Scans records found in
  // the store on the way (a resumed import).
  Result<std::vector<WantedRecord>> next_wanted(size_t count_max);
  // Puts records back that were handed out but not accepted (a peer that
  // timed out or sent a wrong record).
  void give_back(const std::vector<WantedRecord>& records);
  // Checks `record` against `wanted` (its hash, its depth, its size) and
  // writes it with its flat-index entry. Code::corruption when it does not
  // match (the peer that sent it must be dropped); nothing is written then.
  Status accept(const WantedRecord& wanted, ByteView record);

  bool done() const { return wanted_.empty() && handed_out_ == 0; }
  const ImportProgress& progress() const { return progress_; }

  // Precondition: done(). Re-reads and re-hashes the whole written tree
  // from the root, checks the flat index of every leaf, then writes the
  // latest root and the version counter into `batch` (the caller writes it
  // together with its own records, synced). Code::corruption otherwise.
  Status finish(storage::WriteBatch& batch);

 private:
  Status take_record(const WantedRecord& wanted, ByteView record, bool from_store);

  storage::KeyValueStore& store_;
  Hash root_;
  uint64_t version_;
  std::deque<WantedRecord> wanted_;
  size_t handed_out_ = 0;
  ImportProgress progress_;
};

}  // namespace govchain::state
