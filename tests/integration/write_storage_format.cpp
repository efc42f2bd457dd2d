// Writes a storage format marker into a stopped node's database, so that a
// test can show the node refusing a data folder of a newer format.
// Usage: write_storage_format DATA_DIR VERSION
#include <iostream>
#include <string>

#include "storage/format.h"
#include "storage/leveldb_store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: write_storage_format DATA_DIR VERSION\n";
    return 2;
  }
  govchain::storage::LevelDbOptions options;
  options.create_if_missing = false;
  auto store = govchain::storage::open_leveldb_store(std::string(argv[1]) + "/db", options);
  if (!store.ok()) {
    std::cerr << "write_storage_format: " << store.status().to_string() << "\n";
    return 1;
  }
  auto written = govchain::storage::write_storage_format(**store, static_cast<uint32_t>(std::stoul(argv[2])));
  if (!written.ok()) {
    std::cerr << "write_storage_format: " << written.to_string() << "\n";
    return 1;
  }
  return 0;
}
