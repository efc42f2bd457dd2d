// Measures StateTree::apply: blocks of key changes applied to a large tree
// on LevelDB (or in memory), plus the machine's own SHA-256 rate in the same
// run so that figures compare across machines.
//
// Usage: state_bench [keys=1000000] [block_changes=5000] [blocks=20] [leveldb|memory] [cache_mib=256]
// The LevelDB database lives in a temporary directory removed at exit.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "state/proof.h"
#include "state/state_tree.h"
#include "storage/leveldb_store.h"
#include "storage/store.h"

using namespace govchain;
using Clock = std::chrono::steady_clock;

namespace {

double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// CPU time of this process (all threads, including LevelDB's background
// compaction): unlike wall time, not inflated by other processes competing
// for the cores.
double process_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1000.0 + static_cast<double>(now.tv_nsec) / 1e6;
}

Bytes key_of(uint64_t index) { return to_bytes("account/" + std::to_string(index * 2654435761u) + "/balance"); }

Bytes value_of(uint64_t index, uint64_t version) {
  std::string text = "balance:" + std::to_string(index) + ":" + std::to_string(version) + ":";
  text.resize(48, '.');
  return to_bytes(text);
}

double inner_hashes_per_second() {
  Hash current;
  const int count = 200000;
  auto start = Clock::now();
  for (int index = 0; index < count; ++index) current = state::inner_hash(current, current);
  return count / (elapsed_ms(start) / 1000.0);
}

struct BlockFigures {
  double apply_ms;
  double apply_cpu_ms;
  double write_ms;
  size_t operation_count;
  size_t size_bytes;
};

// One block: mostly updates of existing keys, a quarter new keys, a few deletes.
BlockFigures run_block(state::StateTree& tree, storage::KeyValueStore& store, Hash& root, uint64_t& key_count,
                       uint64_t block_changes, uint64_t version, std::mt19937_64& random) {
  std::vector<state::StateChange> changes;
  std::vector<bool> used(key_count + block_changes, false);
  for (uint64_t change = 0; change < block_changes; ++change) {
    uint64_t index = change % 4 == 0 ? key_count++ : random() % key_count;
    if (used[index]) continue;
    used[index] = true;
    bool erase = change % 100 == 1;
    changes.push_back({key_of(index), erase ? std::nullopt : std::optional<Bytes>(value_of(index, version))});
  }
  state::sort_changes(changes);
  storage::WriteBatch batch;
  auto start = Clock::now();
  double cpu_start_ms = process_cpu_ms();
  auto new_root = tree.apply(root, changes, batch);
  double apply_cpu_ms = process_cpu_ms() - cpu_start_ms;
  double apply_ms = elapsed_ms(start);
  if (!new_root.ok()) {
    std::fprintf(stderr, "apply failed: %s\n", new_root.status().to_string().c_str());
    std::exit(1);
  }
  start = Clock::now();
  Status written = store.write(batch, true);
  double write_ms = elapsed_ms(start);
  if (!written.ok()) {
    std::fprintf(stderr, "write failed: %s\n", written.to_string().c_str());
    std::exit(1);
  }
  root = *new_root;
  return BlockFigures{apply_ms, apply_cpu_ms, write_ms, batch.operation_count(), batch.size_bytes()};
}

Hash fill(state::StateTree& tree, storage::KeyValueStore& store, uint64_t key_count) {
  Hash root = state::StateTree::empty_root();
  const uint64_t chunk = 250000;  // big chunks: fewer intermediate versions to write
  auto start = Clock::now();
  for (uint64_t begin = 0; begin < key_count; begin += chunk) {
    std::vector<state::StateChange> changes;
    for (uint64_t index = begin; index < std::min(key_count, begin + chunk); ++index)
      changes.push_back({key_of(index), value_of(index, 0)});
    state::sort_changes(changes);
    storage::WriteBatch batch;
    root = *tree.apply(root, changes, batch);
    if (!store.write(batch, false).ok()) std::exit(1);
  }
  std::printf("filled %llu keys in %.0f ms\n", static_cast<unsigned long long>(key_count), elapsed_ms(start));
  return root;
}

// Proof size and time for existing keys, verification included.
void measure_proofs(const state::StateTree& tree, const Hash& root, uint64_t key_count) {
  const int count = 2000;
  size_t size_bytes_total = 0;
  size_t depth_total = 0;
  auto start = Clock::now();
  for (int index = 0; index < count; ++index) {
    Bytes key = key_of(static_cast<uint64_t>(index) * 7919 % key_count);
    auto proven = tree.prove(root, key);
    if (!proven.ok() || !state::verify_proof(root, key, proven->value, proven->proof).ok()) std::exit(1);
    size_bytes_total += state::encode_proof(proven->proof).size();
    depth_total += proven->proof.siblings.size();
  }
  std::printf("proofs: average depth %.1f, %.0f bytes encoded, %.1f us per prove + verify\n",
              static_cast<double>(depth_total) / count, static_cast<double>(size_bytes_total) / count,
              elapsed_ms(start) * 1000.0 / count);
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t key_count = argc > 1 ? std::stoull(argv[1]) : 1000000;
  uint64_t block_changes = argc > 2 ? std::stoull(argv[2]) : 5000;
  int blocks = argc > 3 ? std::stoi(argv[3]) : 20;
  bool memory = argc > 4 && std::string(argv[4]) == "memory";
  size_t cache_mib = argc > 5 ? std::stoull(argv[5]) : 256;

  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("machine: %.0f inner-node hashes/s (one thread)\n", inner_hashes_per_second());
  std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("govchain-state-bench-" + std::to_string(getpid()));
  std::unique_ptr<storage::KeyValueStore> store;
  if (memory) {
    store = storage::make_memory_store();
  } else {
    auto opened = storage::open_leveldb_store(directory.string());
    if (!opened.ok()) {
      std::fprintf(stderr, "%s\n", opened.status().to_string().c_str());
      return 1;
    }
    store = std::move(*opened);
  }
  state::StateTree tree(*store, state::StateTreeOptions{.cache_size_bytes_max = cache_mib << 20});
  Hash root = fill(tree, *store, key_count);
  std::mt19937_64 random(1);
  std::vector<double> apply_ms;
  std::vector<double> apply_cpu_ms;
  for (int block = 0; block < blocks; ++block) {
    BlockFigures figures = run_block(tree, *store, root, key_count, block_changes, block + 1, random);
    apply_ms.push_back(figures.apply_ms);
    apply_cpu_ms.push_back(figures.apply_cpu_ms);
    std::printf("block %2d: apply %7.2f ms (cpu %7.2f ms), synced write %7.2f ms, %zu operations, %zu bytes\n", block,
                figures.apply_ms, figures.apply_cpu_ms, figures.write_ms, figures.operation_count, figures.size_bytes);
  }
  std::sort(apply_ms.begin(), apply_ms.end());
  std::sort(apply_cpu_ms.begin(), apply_cpu_ms.end());
  state::CacheStatistics cache = tree.cache_statistics();
  std::printf("%s, cache %zu MiB, %llu keys, %llu changes per block: apply median %.2f ms (cpu %.2f ms), max %.2f ms\n",
              memory ? "memory" : "leveldb", cache_mib, static_cast<unsigned long long>(key_count),
              static_cast<unsigned long long>(block_changes), apply_ms[apply_ms.size() / 2],
              apply_cpu_ms[apply_cpu_ms.size() / 2], apply_ms.back());
  std::printf("cache: %zu nodes, %zu MiB, hits %llu, misses %llu\n", cache.node_count, cache.size_bytes >> 20,
              static_cast<unsigned long long>(cache.hits), static_cast<unsigned long long>(cache.misses));

  measure_proofs(tree, root, key_count);
  state::StateTree cold_tree(*store, state::StateTreeOptions{.cache_size_bytes_max = cache_mib << 20});
  BlockFigures cold = run_block(cold_tree, *store, root, key_count, block_changes, blocks + 1, random);
  std::printf("cold cache (new tree object): apply %.2f ms (cpu %.2f ms)\n", cold.apply_ms, cold.apply_cpu_ms);
  (void)store->close();
  std::filesystem::remove_all(directory);
  return 0;
}
