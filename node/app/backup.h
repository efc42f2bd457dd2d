// Online backup and restore of a node's data folder.
//
// A backup is a folder:
//   manifest.json  format version, chain id, genesis hash, height, block
//                  hash and state root of the head it holds, the storage
//                  format version, entry count and size, and the checksum
//                  of store.kv (the tagged hash "govchain/backup" of it);
//   store.kv       every key and value of the node's database as of one
//                  LevelDB snapshot: frames of u32 key length, key, u32
//                  value length, value (lengths big-endian), ended by the
//                  u32 0xFFFFFFFF;
//   genesis.json   the genesis the node runs (public).
// Private keys are never in a backup: the key folder is backed up on its
// own (it is encrypted and changes only when keys change).
//
// The running node answers backup requests on a Unix socket
// (BackupServer, DATA_DIR/admin.sock, mode 0600: only the node's user and
// root can connect): it takes a snapshot and the head under its block lock,
// then streams the snapshot while it goes on making blocks and serving the
// API. `govchaind backup` (write_backup) is the client; it writes
// OUT.partial and renames it to OUT once complete. `govchaind restore`
// (restore_backup) checks a backup whole (manifest, checksum, chain) before
// it writes anything, rebuilds the database in DATA_DIR/db.restoring,
// checks its head against the manifest, renames it to DATA_DIR/db and
// leaves the restore marker for the double-sign guard (signing_guard.h).
// It leaves the signing state file and the consensus WAL where they are.
//
// Thread-safety: BackupServer serves one request at a time on its own
// thread; the free functions are for one caller.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "chain/block.h"
#include "core/status.h"
#include "storage/store.h"

namespace govchain::app {

inline constexpr uint32_t backup_format_version = 1;

// What the node reports at the start of a backup stream.
struct BackupHead {
  std::string chain_id;
  Hash genesis_hash;
  uint64_t height = 0;
  Hash block_hash;
  Hash state_root;
  uint32_t storage_format_version = 0;
};

// The node side: answers "backup 1\n" on a Unix socket with a JSON line
// (BackupHead) and the frames of a snapshot. `open_view` takes the
// snapshot and the head together (Node::backup_view).
class BackupServer {
 public:
  struct View {
    std::unique_ptr<storage::StoreSnapshot> snapshot;
    BackupHead head;
  };
  using OpenView = std::function<Result<View>()>;

  // Binds `socket_path` (a stale socket file is replaced) with mode 0600.
  static Result<std::unique_ptr<BackupServer>> start(const std::filesystem::path& socket_path, OpenView open_view);
  ~BackupServer();
  // Stops accepting, ends a running stream, joins the thread, removes the
  // socket file.
  void stop();

 private:
  BackupServer(int listen_fd, std::filesystem::path socket_path, OpenView open_view);
  void run();
  void serve(int client_fd);

  int listen_fd_;
  std::filesystem::path socket_path_;
  OpenView open_view_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// A progress line ("... 120000 entries, 35 MiB") for the operator.
using ProgressLine = std::function<void(const std::string&)>;

struct BackupReport {
  BackupHead head;
  uint64_t entries = 0;
  uint64_t size_bytes = 0;
};

// The client side of `govchaind backup`: asks the node on `socket_path`
// for a backup and writes it to the folder `out_dir` (which must not
// exist; its parent must). `genesis_path` is copied beside it.
Result<BackupReport> write_backup(const std::filesystem::path& socket_path, const std::filesystem::path& out_dir,
                                  const std::filesystem::path& genesis_path, const ProgressLine& progress);

struct RestoreTarget {
  std::filesystem::path data_dir;
  std::filesystem::path genesis_path;  // the genesis this node runs
};

// `govchaind restore`: refuses a backup of another chain or genesis, of a
// newer format, or a damaged one (checksum, frames, head) before anything
// is written; refuses a data folder that already holds a database.
Result<BackupReport> restore_backup(const std::filesystem::path& backup_dir, const RestoreTarget& target,
                                    const ProgressLine& progress);

}  // namespace govchain::app
