#include "storage/leveldb_store.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <exception>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <system_error>

#include "storage/ordered_map_scan.h"

namespace govchain::storage {
namespace {

leveldb::Slice to_slice(ByteView bytes) {
  return leveldb::Slice(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Bytes to_bytes_from_slice(const leveldb::Slice& slice) {
  const auto* begin = reinterpret_cast<const uint8_t*>(slice.data());
  return Bytes(begin, begin + slice.size());
}

// Converts a LevelDB status into a govchain Status naming the directory and
// the operation, with a hint a node operator can act on.
Status convert(const leveldb::Status& status, const std::string& directory, std::string_view operation) {
  if (status.ok()) return Status();
  std::string detail = status.ToString();
  std::string where = std::string(operation) + " in LevelDB data directory " + directory + ": ";
  if (status.IsCorruption())
    return error(Code::corruption, where + detail + " (the database is corrupted; restore it from a backup or resync)");
  if (status.IsNotFound()) return error(Code::not_found, where + detail);
  if (status.IsInvalidArgument()) return error(Code::invalid_argument, where + detail);
  if (detail.find("lock") != std::string::npos)
    return error(Code::unavailable,
                 where + detail + " (the directory is locked: is another govchaind using this data directory?)");
  return error(Code::io_error, where + detail);
}

Status exception_status(const std::exception& exception, std::string_view operation) {
  return error(Code::internal, std::string(operation) + " in LevelDB failed with an exception: " + exception.what());
}

class LevelDbStore final : public KeyValueStore {
 public:
  LevelDbStore(std::string directory, std::unique_ptr<leveldb::DB> database, std::unique_ptr<leveldb::Cache> cache,
               std::unique_ptr<const leveldb::FilterPolicy> filter)
      : directory_(std::move(directory)),
        cache_(std::move(cache)),
        filter_(std::move(filter)),
        database_(std::move(database)) {}
  ~LevelDbStore() override { (void)close(); }

  Result<std::optional<Bytes>> get(ByteView key) const override {
    std::shared_lock lock(close_mutex_);
    if (!database_) return detail::closed_error();
    try {
      std::string value;
      leveldb::Status status = database_->Get(leveldb::ReadOptions(), to_slice(key), &value);
      if (status.IsNotFound()) return std::optional<Bytes>();
      GOVCHAIN_TRY(convert(status, directory_, "get"));
      return std::optional<Bytes>(Bytes(value.begin(), value.end()));
    } catch (const std::exception& exception) {
      return exception_status(exception, "get");
    }
  }

  Status write(const WriteBatch& batch, bool sync) override {
    std::shared_lock lock(close_mutex_);
    if (!database_) return detail::closed_error();
    try {
      leveldb::WriteBatch native;
      for (size_t index = 0; index < batch.operation_count(); ++index) {
        WriteBatch::Operation operation = batch.operation(index);
        if (operation.value)
          native.Put(to_slice(operation.key), to_slice(*operation.value));
        else
          native.Delete(to_slice(operation.key));
      }
      leveldb::WriteOptions options;
      options.sync = sync;
      return convert(database_->Write(options, &native), directory_, "write");
    } catch (const std::exception& exception) {
      return exception_status(exception, "write");
    }
  }

  Result<std::vector<KeyValue>> scan(ByteView prefix, ByteView start_key, size_t entries_max) const override {
    GOVCHAIN_TRY(detail::check_entries_max(entries_max));
    std::shared_lock lock(close_mutex_);
    if (!database_) return detail::closed_error();
    try {
      return scan_locked(prefix, start_key, entries_max, nullptr);
    } catch (const std::exception& exception) {
      return exception_status(exception, "scan");
    }
  }

  Result<std::unique_ptr<StoreSnapshot>> snapshot() const override;

  // Scans as of `snapshot` (null: the latest data), for LevelDbSnapshot.
  Result<std::vector<KeyValue>> scan_at(const leveldb::Snapshot* snapshot, ByteView prefix, ByteView start_key,
                                        size_t entries_max) const {
    GOVCHAIN_TRY(detail::check_entries_max(entries_max));
    std::shared_lock lock(close_mutex_);
    if (!database_) return detail::closed_error();
    try {
      return scan_locked(prefix, start_key, entries_max, snapshot);
    } catch (const std::exception& exception) {
      return exception_status(exception, "scan");
    }
  }

  void release(const leveldb::Snapshot* snapshot) const {
    std::shared_lock lock(close_mutex_);
    if (database_) database_->ReleaseSnapshot(snapshot);
  }

  Status close() override {
    std::unique_lock lock(close_mutex_);
    database_.reset();  // releases the lock file; the database must go before cache and filter
    return Status();
  }

 private:
  Result<std::vector<KeyValue>> scan_locked(ByteView prefix, ByteView start_key, size_t entries_max,
                                            const leveldb::Snapshot* snapshot) const {
    ByteView start = BytesLess()(prefix, start_key) ? start_key : prefix;
    leveldb::ReadOptions read_options;
    read_options.snapshot = snapshot;
    // A backup reads everything once; it should not push the working set
    // out of the block cache.
    read_options.fill_cache = snapshot == nullptr;
    std::unique_ptr<leveldb::Iterator> iterator(database_->NewIterator(read_options));
    std::vector<KeyValue> entries;
    for (iterator->Seek(to_slice(start)); iterator->Valid() && entries.size() < entries_max; iterator->Next()) {
      if (!iterator->key().starts_with(to_slice(prefix))) break;
      entries.push_back(KeyValue{to_bytes_from_slice(iterator->key()), to_bytes_from_slice(iterator->value())});
    }
    GOVCHAIN_TRY(convert(iterator->status(), directory_, "scan"));
    return entries;
  }

  std::string directory_;
  // close() takes this exclusively; every other call shares it, so that no
  // call uses the database while it is being closed.
  mutable std::shared_mutex close_mutex_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> database_;
};

// A LevelDB snapshot; released when destroyed (see StoreSnapshot for the
// lifetime rule).
class LevelDbSnapshot final : public StoreSnapshot {
 public:
  LevelDbSnapshot(const LevelDbStore& store, const leveldb::Snapshot* snapshot) : store_(store), snapshot_(snapshot) {}
  ~LevelDbSnapshot() override { store_.release(snapshot_); }
  LevelDbSnapshot(const LevelDbSnapshot&) = delete;
  LevelDbSnapshot& operator=(const LevelDbSnapshot&) = delete;

  Result<std::vector<KeyValue>> scan(ByteView prefix, ByteView start_key, size_t entries_max) const override {
    return store_.scan_at(snapshot_, prefix, start_key, entries_max);
  }

 private:
  const LevelDbStore& store_;
  const leveldb::Snapshot* snapshot_;
};

Result<std::unique_ptr<StoreSnapshot>> LevelDbStore::snapshot() const {
  std::shared_lock lock(close_mutex_);
  if (!database_) return detail::closed_error();
  return std::unique_ptr<StoreSnapshot>(std::make_unique<LevelDbSnapshot>(*this, database_->GetSnapshot()));
}

Status check_directory(const std::string& directory, const LevelDbOptions& options) {
  std::error_code error_code;
  std::filesystem::path path(directory);
  if (directory.empty()) return error(Code::invalid_argument, "the LevelDB data directory path is empty");
  if (std::filesystem::exists(path, error_code)) {
    if (!std::filesystem::is_directory(path, error_code))
      return error(Code::invalid_argument, "data directory " + directory + " exists but is not a directory");
    return Status();
  }
  if (!options.create_if_missing)
    return error(Code::not_found, "data directory " + directory + " does not exist (initialise the node first)");
  std::filesystem::path parent = std::filesystem::absolute(path, error_code).parent_path();
  if (!std::filesystem::is_directory(parent, error_code))
    return error(Code::not_found, "cannot create data directory " + directory + ": its parent directory " +
                                      parent.string() + " does not exist");
  return Status();
}

}  // namespace

Result<std::unique_ptr<KeyValueStore>> open_leveldb_store(const std::string& directory, const LevelDbOptions& options) {
  GOVCHAIN_TRY(check_directory(directory, options));
  try {
    std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.block_cache_size_bytes));
    std::unique_ptr<const leveldb::FilterPolicy> filter;
    if (options.bloom_filter_bits_per_key > 0)
      filter.reset(leveldb::NewBloomFilterPolicy(options.bloom_filter_bits_per_key));
    leveldb::Options native;
    native.create_if_missing = options.create_if_missing;
    native.paranoid_checks = true;
    native.block_cache = cache.get();
    native.filter_policy = filter.get();
    native.write_buffer_size = options.write_buffer_size_bytes;
    native.max_open_files = options.open_files_max;
    leveldb::DB* raw_database = nullptr;
    leveldb::Status status = leveldb::DB::Open(native, directory, &raw_database);
    std::unique_ptr<leveldb::DB> database(raw_database);
    if (status.IsInvalidArgument() && !options.create_if_missing)
      return error(Code::not_found, "no govchain database in " + directory + ": " + status.ToString());
    GOVCHAIN_TRY(convert(status, directory, "open"));
    return std::unique_ptr<KeyValueStore>(
        std::make_unique<LevelDbStore>(directory, std::move(database), std::move(cache), std::move(filter)));
  } catch (const std::exception& exception) {
    return exception_status(exception, "open");
  }
}

}  // namespace govchain::storage
