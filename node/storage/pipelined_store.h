// PipelinedStore: a KeyValueStore in front of a durable one that writes
// batches in the background, in order, each synced, while their contents
// are readable at once.
//
// It lets a node execute block h+1 while the synced write of block h runs:
// write_in_background() hands over the batch of block h and returns; get()
// sees that batch immediately (newest pending batch first, then the durable
// store), so the state tree, the flat index and the block store read the
// state after h as if it were written. A writer thread writes the pending
// batches to the durable store one by one with sync = true, in the order
// they were handed over, and after each calls the batch's `on_written`
// callback with the outcome — only then is the batch durable, and only then
// may the caller acknowledge what it holds (receipts, events, "committed").
// A crash at any moment leaves the durable store with a prefix of the
// batches, each whole or absent (the durable store's atomic writes).
//
// Bounded: at most `pending_batches_max` batches wait or are being written;
// write_in_background() blocks until one is durable beyond that, so memory
// stays bounded whatever the producer does. After a failed background write
// every later write fails too (Code::io_error with the first failure's
// message): the caller must stop, as with a failed synced write.
//
// write() (the plain KeyValueStore call) waits until every earlier pending
// batch and its own are written; scan(), snapshot() and close() first wait
// until nothing is pending, so they see exactly what is durable.
//
// Ownership: references the durable store, which must outlive it; owns its
// writer thread, which the destructor (or close()) joins after writing what
// is pending. Thread-safety: every method may be called from any thread;
// `on_written` callbacks run on the writer thread, one at a time, in
// order, and must not call write(), drain() or close() of this store.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "storage/store.h"

namespace govchain::storage {

class PipelinedStore final : public KeyValueStore {
 public:
  // Called on the writer thread once the batch is durable (ok) or its write
  // failed (the failure).
  using OnWritten = std::function<void(const Status& written)>;

  // Precondition: pending_batches_max >= 1.
  PipelinedStore(KeyValueStore& durable, size_t pending_batches_max);
  ~PipelinedStore() override;
  PipelinedStore(const PipelinedStore&) = delete;
  PipelinedStore& operator=(const PipelinedStore&) = delete;

  Result<std::optional<Bytes>> get(ByteView key) const override;
  // Writes `batch` after every pending one and waits until it is durable
  // (`sync` is always honoured as true: every write here is synced).
  Status write(const WriteBatch& batch, bool sync) override;
  Result<std::vector<KeyValue>> scan(ByteView prefix, ByteView start_key, size_t entries_max) const override;
  Result<std::unique_ptr<StoreSnapshot>> snapshot() const override;
  // Writes what is pending and stops the writer; the durable store stays
  // open (its owner closes it). Returns the first background failure.
  Status close() override;

  // Takes `batch` over, makes it readable at once and queues its synced
  // write; `on_written` (may be empty) follows once it is written. Blocks
  // while pending_batches_max batches are pending. Fails at once, without
  // queuing, after an earlier background write failed or after close().
  Status write_in_background(WriteBatch batch, OnWritten on_written);
  // Waits until every pending batch is written and its callback ran;
  // returns the first failure of a background write, if any.
  Status drain() const;
  // Batches handed over and not yet written (for tests and metrics).
  size_t pending_count() const;

 private:
  struct Pending;
  void run_writer();
  Status failure_locked() const;

  KeyValueStore& durable_;
  const size_t pending_batches_max_;
  // Guards the queue, the failure and the stop flag; readers take it
  // shared, so gets run in parallel with each other.
  mutable std::shared_mutex mutex_;
  // Signalled when a batch is queued, written or stopping.
  mutable std::condition_variable_any changed_;
  std::deque<std::shared_ptr<Pending>> pending_;  // oldest first; front is being written
  std::optional<Status> failure_;
  bool stopping_ = false;
  bool closed_ = false;
  std::thread writer_;
};

}  // namespace govchain::storage
