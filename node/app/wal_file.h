// The consensus write-ahead log on disk, behind a small seam in the manner
// of LevelDB's Env: WalFile is the durable append-only file (a POSIX file
// in the node, memory in tests, which can also make an append fail or tear
// as a crash would), and ConsensusWal keeps the machine's records in it
// (framing and torn-tail recovery are consensus/wal.h's).
//
// Ownership: ConsensusWal shares its WalFile with whoever made it (a test
// keeps a handle to look at the bytes). Thread-safety: none; the consensus
// driver's thread is the only user.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "consensus/wal.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::app {

class WalFile {
 public:
  virtual ~WalFile() = default;
  // Everything the file holds.
  virtual Result<Bytes> read_all() = 0;
  // Cuts the file to `size_bytes`, syncs, and continues appending there.
  virtual Status truncate(size_t size_bytes) = 0;
  // Appends `bytes` and returns only once they are durable.
  virtual Status append_synced(ByteView bytes) = 0;
};

// The file at `path`, created (mode 0600) when missing. Code::io_error
// with the path when it cannot be opened.
Result<std::shared_ptr<WalFile>> open_wal_file(const std::filesystem::path& path);

// A WalFile in memory. `fail_appends` makes every append fail (a full or
// broken disk); `tear_next_append_at` makes the next append store only its
// first bytes and fail, as a crash in the middle of a write leaves the file.
class MemoryWalFile final : public WalFile {
 public:
  Result<Bytes> read_all() override { return contents; }
  Status truncate(size_t size_bytes) override;
  Status append_synced(ByteView bytes) override;

  Bytes contents;
  bool fail_appends = false;
  std::optional<size_t> tear_next_append_at;
};

// The consensus machine's records in a WalFile.
class ConsensusWal {
 public:
  explicit ConsensusWal(std::shared_ptr<WalFile> file) : file_(std::move(file)) {}

  // Reads the records for consensus::Machine::restore. A torn last record
  // (a crash during an append) is dropped and the file cut before it, so
  // that appends continue after the last whole record; `torn_tail_dropped`
  // says so. Anything else unreadable is Code::corruption.
  struct Opened {
    std::vector<consensus::WalRecord> records;
    bool torn_tail_dropped = false;
  };
  Result<Opened> open();
  // Appends one record durably (before the machine's next action runs).
  Status append(const consensus::WalRecord& record);
  // Empties the log once a height is committed.
  Status clear();

 private:
  std::shared_ptr<WalFile> file_;
};

}  // namespace govchain::app
