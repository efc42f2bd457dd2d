// The storage format marker: the version of the database layout, kept in
// the database itself under the key "m/storage_format" (4 bytes,
// big-endian), so that a node never opens a data folder written by a newer
// govchaind whose layout it does not understand.
//
// Thread-safety: call before the store is shared (while the node opens it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace govchain::storage {

inline constexpr std::string_view storage_format_key = "m/storage_format";

// The version stored in `store`; nullopt when the marker is missing (a new
// database, or one written before the marker existed, which is format 1).
Result<std::optional<uint32_t>> read_storage_format(const KeyValueStore& store);

// Writes `version` as the marker (synced).
Status write_storage_format(KeyValueStore& store, uint32_t version);

// Checks the marker against `supported_version` (the newest format this
// build reads and writes) and writes it when missing. A newer marker is
// Code::invalid with a message naming `data_dir`, both versions and what to
// do; the store is left untouched then. An older marker would need a
// migration: there is none yet, since 1 is the first format.
Status check_storage_format(KeyValueStore& store, uint32_t supported_version, const std::string& data_dir);

}  // namespace govchain::storage
