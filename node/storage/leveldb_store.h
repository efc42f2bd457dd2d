// The LevelDB backend of KeyValueStore: the node's durable store.
//
// open_leveldb_store() opens (and by default creates) a database in a data
// directory and holds LevelDB's lock file until close(): one process per
// data directory. Every LevelDB status is converted into a Status with a
// message naming the directory:
//   - missing parent directory, or no database while create_if_missing is
//     false: Code::not_found;
//   - directory locked by another process (or opened twice in this one):
//     Code::unavailable, "is another govchaind using this data directory?";
//   - corrupted files: Code::corruption;
//   - other IO failures: Code::io_error.
// Thread-safety as for every KeyValueStore (see storage/store.h).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "storage/store.h"

namespace govchain::storage {

struct LevelDbOptions {
  bool create_if_missing = true;
  size_t block_cache_size_bytes = 64 * 1024 * 1024;
  size_t write_buffer_size_bytes = 64 * 1024 * 1024;
  int bloom_filter_bits_per_key = 10;  // 0 disables the filter
  int open_files_max = 1000;
};

Result<std::unique_ptr<KeyValueStore>> open_leveldb_store(const std::string& directory,
                                                          const LevelDbOptions& options = {});

}  // namespace govchain::storage
