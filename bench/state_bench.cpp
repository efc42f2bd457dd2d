// Measures StateTree::apply: blocks of key changes applied to a large tree
// on LevelDB (or in memory), beside the machine's own SHA-256 rate measured
// in the same run, so that figures compare across machines.
//
// Usage: state_bench [keys=1000000] [block_changes=5000] [blocks=20] [leveldb|memory] [cache_mib=64] [walk]
// After the blocks with the given cache it applies more blocks with a new
// tree object that has the node's default cache (StateTreeOptions), warmed
// with warm_cache() and three unmeasured blocks. With `walk` it finally reads every page of the latest
// root into a cache large enough for all of them and prints their number and
// memory. The LevelDB database lives in a temporary directory removed at exit.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "state/proof.h"
#include "state/state_tree.h"
#include "crypto/pair_hash.h"
#include "state/tree_reader.h"
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

// The machine's limit: SHA-256 compressions (64-byte blocks) per second on
// one thread, hashing a 1 MiB buffer that stays in the CPU cache.
double sha256_compressions_per_second() {
  Bytes buffer(1 << 20, 0x5a);
  Hash sink;
  const int rounds = 64;
  auto start = Clock::now();
  for (int round = 0; round < rounds; ++round) {
    buffer[0] = sink.data[0];
    sink = crypto::sha256(buffer);
  }
  return rounds * (static_cast<double>(buffer.size()) / 64) / (elapsed_ms(start) / 1000.0);
}

template <typename HashFunction>
double hashes_per_second(HashFunction hash) {
  Hash current;
  const int count = 200000;
  auto start = Clock::now();
  for (int index = 0; index < count; ++index) current = hash(current, current);
  return count / (elapsed_ms(start) / 1000.0);
}

struct BlockFigures {
  double apply_ms;
  double apply_process_cpu_ms;
  double write_ms;
  size_t change_count;
  state::ApplyStatistics statistics;
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
  double apply_process_cpu_ms = process_cpu_ms() - cpu_start_ms;
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
  return BlockFigures{apply_ms,          apply_process_cpu_ms,         write_ms,
                      changes.size(),    tree.last_apply_statistics(), batch.operation_count(),
                      batch.size_bytes()};
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

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// SHA-256 compressions an apply cannot avoid: two per inner-node and leaf
// hash (the tag block is precomputed), and one each for the key hash and
// the value hash of every change (keys and values here are under 56 bytes).
double compressions_of(const BlockFigures& figures) {
  return 2.0 * static_cast<double>(figures.statistics.inner_hashes + figures.statistics.leaves_written) +
         2.0 * static_cast<double>(figures.change_count);
}

struct Machine {
  double compressions_per_second;
};

// Applies `blocks` blocks after `warm_up` unmeasured ones and prints each
// and the medians.
void run_blocks(const char* label, state::StateTree& tree, storage::KeyValueStore& store, Hash& root,
                uint64_t& key_count, uint64_t block_changes, int warm_up, int blocks, uint64_t& version,
                std::mt19937_64& random, const Machine& machine) {
  std::vector<double> wall_ms, process_cpu_ms_values, thread_cpu_ms, floor_ms;
  state::CacheStatistics cache_before;
  for (int block = -warm_up; block < blocks; ++block) {
    if (block == 0) cache_before = tree.cache_statistics();
    BlockFigures figures = run_block(tree, store, root, key_count, block_changes, ++version, random);
    if (block < 0) continue;
    const double hashing_ms = compressions_of(figures) / machine.compressions_per_second * 1000.0;
    wall_ms.push_back(figures.apply_ms);
    process_cpu_ms_values.push_back(figures.apply_process_cpu_ms);
    thread_cpu_ms.push_back(figures.statistics.cpu_ms);
    floor_ms.push_back(hashing_ms);
    std::printf(
        "block %2d: apply %7.2f ms wall, cpu %6.2f ms (apply threads) / %6.2f ms (process); synced write %7.2f ms; "
        "%zu pages, %zu leaves, %zu inner hashes; stale %zu pages, %zu leaves; %zu operations, %zu bytes\n",
        block, figures.apply_ms, figures.statistics.cpu_ms, figures.apply_process_cpu_ms, figures.write_ms,
        figures.statistics.pages_written, figures.statistics.leaves_written, figures.statistics.inner_hashes,
        figures.statistics.stale_pages, figures.statistics.stale_leaves, figures.operation_count, figures.size_bytes);
  }
  const double thread_cpu = median(thread_cpu_ms);
  const double floor = median(floor_ms);
  std::printf("%s: apply median %.2f ms wall, cpu %.2f ms (apply threads), %.2f ms (process), max wall %.2f ms\n",
              label, median(wall_ms), thread_cpu, median(process_cpu_ms_values),
              *std::max_element(wall_ms.begin(), wall_ms.end()));
  std::printf("%s: the apply's SHA-256 work at this machine's rate is %.2f ms; apply cpu / that = %.2f\n", label, floor,
              thread_cpu / floor);
  const state::CacheStatistics cache = tree.cache_statistics();
  std::printf("%s: page cache per block: %.0f hits, %.0f misses (pages read from the store); %zu pages, %zu MiB held\n",
              label, static_cast<double>(cache.hits - cache_before.hits) / blocks,
              static_cast<double>(cache.misses - cache_before.misses) / blocks, cache.node_count,
              cache.size_bytes >> 20);
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

struct TreeShape {
  std::array<size_t, state::page_depth_max / state::page_levels + 1> pages_at{};
  std::array<size_t, state::page_depth_max / state::page_levels + 1> leaves_at{};  // in pages at that depth
  size_t memory_bytes = 0;
  size_t record_bytes = 0;
};

// Reads every page under `root` (through the tree's own reader) and adds up
// their number per depth, the memory a page cache charges for them and the
// size of their records.
void walk(state::TreeReader& reader, const Hash& hash, uint32_t depth, TreeShape& shape) {
  auto page = reader.load_page(hash, depth);
  if (!page.ok()) {
    std::fprintf(stderr, "walk: %s\n", page.status().to_string().c_str());
    std::exit(1);
  }
  ++shape.pages_at[depth / state::page_levels];
  shape.leaves_at[depth / state::page_levels] += static_cast<size_t>(std::popcount((*page)->leaf_slots()));
  shape.memory_bytes += (*page)->memory_size_bytes() + 16;  // 16: the allocator's share, as the cache counts it
  std::array<uint8_t, state::page_record_size_bytes_max> record;
  shape.record_bytes += state::encode_page(**page, 0, record.data());
  for (uint32_t index = 0; index < state::page_slot_count; ++index)
    if ((*page)->slot_kind(index) == state::SlotKind::page)
      walk(reader, (*page)->slot(index).hash, depth + state::page_levels, shape);
}

void measure_whole_tree(storage::KeyValueStore& store, const Hash& root) {
  state::PageCache cache(1 << 20);  // small: the walk measures, it need not keep
  state::TreeReader reader(store, cache);
  auto start = Clock::now();
  TreeShape shape;
  walk(reader, root, 0, shape);
  size_t page_count = 0;
  std::string per_depth;
  for (size_t level = 0; level < shape.pages_at.size(); ++level) {
    if (shape.pages_at[level] == 0) continue;
    page_count += shape.pages_at[level];
    per_depth += " depth " + std::to_string(level * state::page_levels) + ": " + std::to_string(shape.pages_at[level]) +
                 " pages, " + std::to_string(shape.leaves_at[level]) + " leaves;";
  }
  std::printf(
      "whole tree: %zu pages, %.0f MiB in memory (%.0f bytes per page), records %.0f bytes on average; "
      "read in %.0f ms\n",
      page_count, static_cast<double>(shape.memory_bytes) / (1 << 20),
      static_cast<double>(shape.memory_bytes) / static_cast<double>(page_count),
      static_cast<double>(shape.record_bytes) / static_cast<double>(page_count), elapsed_ms(start));
  std::printf("whole tree by depth:%s\n", per_depth.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t key_count = argc > 1 ? std::stoull(argv[1]) : 1000000;
  uint64_t block_changes = argc > 2 ? std::stoull(argv[2]) : 5000;
  int blocks = argc > 3 ? std::stoi(argv[3]) : 20;
  bool memory = argc > 4 && std::string(argv[4]) == "memory";
  const size_t default_cache_bytes = state::StateTreeOptions{}.cache_size_bytes_max;
  size_t cache_mib = argc > 5 ? std::stoull(argv[5]) : default_cache_bytes >> 20;
  bool walk_tree = argc > 6 && std::string(argv[6]) == "walk";

  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Machine machine{sha256_compressions_per_second()};
  std::printf(
      "machine: %.2f million SHA-256 compressions/s on one thread; inner-node hashes/s on one thread: "
      "%.2f million (state::inner_hash, %s)\n",
      machine.compressions_per_second / 1e6, hashes_per_second(state::inner_hash) / 1e6,
      crypto::PairHasher(crypto::tags::node).is_fast() ? "two compressions" : "fallback");
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
  uint64_t version = 0;
  char label[128];
  std::snprintf(label, sizeof label, "%s, cache %zu MiB, %llu keys, %llu changes per block",
                memory ? "memory" : "leveldb", cache_mib, static_cast<unsigned long long>(key_count),
                static_cast<unsigned long long>(block_changes));
  run_blocks(label, tree, *store, root, key_count, block_changes, 0, blocks, version, random, machine);
  measure_proofs(tree, root, key_count);

  state::StateTree cold_tree(*store, state::StateTreeOptions{.cache_size_bytes_max = cache_mib << 20});
  BlockFigures cold = run_block(cold_tree, *store, root, key_count, block_changes, ++version, random);
  std::printf("cold cache (new tree object): apply %.2f ms wall, cpu %.2f ms (apply threads)\n", cold.apply_ms,
              cold.statistics.cpu_ms);

  state::StateTree node_tree(*store);  // the node's default options
  auto start = Clock::now();
  if (Status warmed = node_tree.warm_cache(root); !warmed.ok()) {
    std::fprintf(stderr, "warm_cache: %s\n", warmed.to_string().c_str());
    return 1;
  }
  state::CacheStatistics cache = node_tree.cache_statistics();
  std::printf("node's default cache: warm_cache read %zu pages (%zu MiB) in %.0f ms\n", cache.node_count,
              cache.size_bytes >> 20, elapsed_ms(start));
  std::snprintf(label, sizeof label, "node's default cache (%zu MiB), warmed, after 3 blocks",
                default_cache_bytes >> 20);
  run_blocks(label, node_tree, *store, root, key_count, block_changes, 3, std::max(blocks / 2, 3), version, random,
             machine);
  if (walk_tree) measure_whole_tree(*store, root);
  (void)store->close();
  std::filesystem::remove_all(directory);
  return 0;
}
