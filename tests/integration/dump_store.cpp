// Prints every key and value of a govchain data directory's LevelDB store,
// decompressed, one entry per line ("<key bytes> <value bytes>", raw bytes
// with newlines replaced), so that the privacy test can search the node's
// whole disk state and not only the compressed files. The node must be
// stopped. Usage: dump_store DATA_DIR
#include <iostream>

#include "storage/leveldb_store.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: dump_store DATA_DIR\n";
    return 2;
  }
  govchain::storage::LevelDbOptions options;
  options.create_if_missing = false;
  auto store = govchain::storage::open_leveldb_store(std::string(argv[1]) + "/db", options);
  if (!store.ok()) {
    std::cerr << "dump_store: " << store.status().to_string() << "\n";
    return 1;
  }
  govchain::Bytes start;
  size_t entries = 0;
  for (;;) {
    auto page = (*store)->scan({}, start, 1000);
    if (!page.ok()) {
      std::cerr << "dump_store: " << page.status().to_string() << "\n";
      return 1;
    }
    for (const auto& entry : *page) {
      std::string line(entry.key.begin(), entry.key.end());
      line += ' ';
      line.append(entry.value.begin(), entry.value.end());
      for (char& c : line)
        if (c == '\n') c = ' ';
      std::cout << line << '\n';
      ++entries;
    }
    if (page->size() < 1000) break;
    start = page->back().key;
    start.push_back(0);
  }
  std::cerr << "dump_store: " << entries << " entries\n";
  return 0;
}
