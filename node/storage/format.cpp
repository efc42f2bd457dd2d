#include "storage/format.h"

namespace govchain::storage {

namespace {

ByteView marker_key() {
  return ByteView(reinterpret_cast<const uint8_t*>(storage_format_key.data()), storage_format_key.size());
}

}  // namespace

Result<std::optional<uint32_t>> read_storage_format(const KeyValueStore& store) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> stored, store.get(marker_key()));
  if (!stored) return std::optional<uint32_t>();
  if (stored->size() != 4)
    return error(Code::corruption, "the storage format marker holds " + std::to_string(stored->size()) +
                                       " bytes instead of 4 (the database is damaged; restore a backup)");
  const Bytes& bytes = *stored;
  uint32_t version = (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
  return std::optional<uint32_t>(version);
}

Status write_storage_format(KeyValueStore& store, uint32_t version) {
  Bytes value = {static_cast<uint8_t>(version >> 24), static_cast<uint8_t>(version >> 16),
                 static_cast<uint8_t>(version >> 8), static_cast<uint8_t>(version)};
  WriteBatch batch;
  batch.put(marker_key(), value);
  return store.write(batch, true);
}

Status check_storage_format(KeyValueStore& store, uint32_t supported_version, const std::string& data_dir) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<uint32_t> stored, read_storage_format(store));
  if (!stored) return write_storage_format(store, supported_version);
  if (*stored > supported_version)
    return error(Code::invalid, "the data folder " + data_dir + " has storage format " + std::to_string(*stored) +
                                    ", written by a newer govchaind; this govchaind reads format " +
                                    std::to_string(supported_version) +
                                    " at most. Run the newer version again, or restore a backup made with this "
                                    "version (docs/operations.md, \"Upgrades\"); the folder was not changed");
  if (*stored == 0)
    return error(Code::corruption, "the data folder " + data_dir + " has storage format 0, which never existed");
  return Status();
}

}  // namespace govchain::storage
