#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "core/limits.h"
#include "crypto/hash.h"
#include "state/proof.h"
#include "state/state_tree.h"
#include "storage/fault_injecting_store.h"
#include "storage/leveldb_store.h"
#include "storage/store.h"

using namespace govchain;
using namespace govchain::state;

namespace {

using Model = std::map<Bytes, Bytes, storage::BytesLess>;

Bytes key_of(uint64_t index) { return to_bytes("key-" + std::to_string(index)); }
Bytes value_of(uint64_t index, uint64_t version = 0) {
  return to_bytes("value-" + std::to_string(index) + "-" + std::to_string(version));
}

// The tree hash straight from the definition in docs/state.md, over a set of
// (key hash, value hash) pairs sorted by key hash.
Hash reference_root(std::span<const std::pair<Hash, Hash>> leaves, uint32_t depth) {
  if (leaves.empty()) return Hash{};
  if (leaves.size() == 1) return leaf_hash(leaves[0].first, leaves[0].second);
  auto split = std::partition_point(leaves.begin(), leaves.end(),
                                    [depth](const auto& leaf) { return !path_bit(leaf.first, depth); });
  size_t left_count = static_cast<size_t>(split - leaves.begin());
  return inner_hash(reference_root(leaves.subspan(0, left_count), depth + 1),
                    reference_root(leaves.subspan(left_count), depth + 1));
}

Hash reference_root(const Model& model) {
  std::vector<std::pair<Hash, Hash>> leaves;
  for (const auto& [key, value] : model) leaves.emplace_back(state_key_hash(key), crypto::sha256(value));
  std::sort(leaves.begin(), leaves.end());
  return reference_root(leaves, 0);
}

// Applies and writes one block of changes (sorted here) and returns the root.
Hash apply_and_write(StateTree& tree, storage::KeyValueStore& store, const Hash& base,
                     std::vector<StateChange> changes) {
  sort_changes(changes);
  storage::WriteBatch batch;
  auto root = tree.apply(base, changes, batch);
  REQUIRE(root.ok());
  REQUIRE(store.write(batch, true).ok());
  return *root;
}

std::vector<StateChange> puts(uint64_t begin, uint64_t end, uint64_t version = 0) {
  std::vector<StateChange> changes;
  for (uint64_t index = begin; index < end; ++index) changes.push_back({key_of(index), value_of(index, version)});
  return changes;
}

void check_proven(const StateTree& tree, const Hash& root, const Bytes& key, const std::optional<Bytes>& expected) {
  auto proven = tree.prove(root, key);
  REQUIRE(proven.ok());
  CHECK(proven->value == expected);
  Status verified = verify_proof(root, key, expected, proven->proof);
  CHECK_MESSAGE(verified.ok(), verified.to_string());
  auto decoded = decode_proof(encode_proof(proven->proof));
  REQUIRE(decoded.ok());
  CHECK(*decoded == proven->proof);
}

}  // namespace

TEST_CASE("an empty state has the zero root") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  CHECK(StateTree::empty_root().is_zero());
  storage::WriteBatch batch;
  auto root = tree.apply(StateTree::empty_root(), {}, batch);
  REQUIRE(root.ok());
  CHECK(root->is_zero());
  auto absent = tree.prove(*root, to_bytes("anything"));
  REQUIRE(absent.ok());
  CHECK(absent->proof.terminal == ProofTerminal::empty);
  CHECK(verify_proof(*root, to_bytes("anything"), std::nullopt, absent->proof).ok());
}

TEST_CASE("a single key is a leaf at the root") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  Hash root = apply_and_write(tree, *store, StateTree::empty_root(), {{key_of(1), value_of(1)}});
  CHECK(root == leaf_hash(state_key_hash(key_of(1)), crypto::sha256(value_of(1))));
  check_proven(tree, root, key_of(1), value_of(1));
  check_proven(tree, root, key_of(2), std::nullopt);
}

TEST_CASE("the root follows the definition and does not depend on insertion order") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  Hash all_at_once = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 300));

  std::vector<StateChange> shuffled = puts(0, 300);
  std::mt19937_64 random(7);
  std::shuffle(shuffled.begin(), shuffled.end(), random);
  Hash in_blocks = StateTree::empty_root();
  for (size_t begin = 0; begin < shuffled.size(); begin += 37) {
    std::vector<StateChange> block(shuffled.begin() + begin, shuffled.begin() + std::min(begin + 37, shuffled.size()));
    in_blocks = apply_and_write(tree, *store, in_blocks, block);
  }
  CHECK(in_blocks == all_at_once);

  Model model;
  for (const StateChange& change : puts(0, 300)) model[change.key] = *change.value;
  CHECK(all_at_once == reference_root(model));
}

TEST_CASE("random blocks of puts, updates and deletes match a reference model") {
  auto store = storage::make_memory_store();
  StateTree tree(*store, StateTreeOptions{.cache_size_bytes_max = 64 * 1024});  // small: exercise store reads
  std::mt19937_64 random(12345);
  Model model;
  Hash root = StateTree::empty_root();
  for (int block = 0; block < 60; ++block) {
    std::map<Bytes, std::optional<Bytes>, storage::BytesLess> block_changes;
    for (int change = 0; change < 40; ++change) {
      uint64_t index = random() % 400;
      bool erase = random() % 3 == 0;
      block_changes[key_of(index)] = erase ? std::nullopt : std::optional<Bytes>(value_of(index, block));
    }
    std::vector<StateChange> changes;
    for (auto& [key, value] : block_changes) {
      changes.push_back({key, value});
      if (value)
        model[key] = *value;
      else
        model.erase(key);
    }
    root = apply_and_write(tree, *store, root, changes);
    REQUIRE(root == reference_root(model));
  }
  for (uint64_t index = 0; index < 400; index += 7) {
    auto found = model.find(key_of(index));
    std::optional<Bytes> expected = found == model.end() ? std::nullopt : std::optional<Bytes>(found->second);
    check_proven(tree, root, key_of(index), expected);
    auto latest = tree.get_latest(key_of(index));
    REQUIRE(latest.ok());
    CHECK(*latest == expected);
  }
  auto latest_root = tree.latest_root();
  REQUIRE(latest_root.ok());
  CHECK(*latest_root == root);
}

TEST_CASE("deleting every key returns to the empty root") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  Hash full = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 100));
  Hash with_less = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 50));
  std::vector<StateChange> deletions;
  for (uint64_t index = 50; index < 100; ++index) deletions.push_back({key_of(index), std::nullopt});
  CHECK(apply_and_write(tree, *store, full, deletions) == with_less);
  for (uint64_t index = 0; index < 50; ++index) deletions.push_back({key_of(index), std::nullopt});
  CHECK(apply_and_write(tree, *store, full, deletions).is_zero());
  // Deleting keys that are absent changes nothing.
  CHECK(apply_and_write(tree, *store, with_less, {{key_of(999), std::nullopt}}) == with_less);
}

TEST_CASE("inclusion and non-inclusion proofs verify, with both kinds of absence") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  Hash root = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 500));
  for (uint64_t index = 0; index < 500; index += 3) check_proven(tree, root, key_of(index), value_of(index));
  int empty_count = 0;
  int other_leaf_count = 0;
  for (uint64_t index = 1000; index < 1200; ++index) {
    check_proven(tree, root, key_of(index), std::nullopt);
    auto proven = tree.prove(root, key_of(index));
    REQUIRE(proven.ok());
    empty_count += proven->proof.terminal == ProofTerminal::empty;
    other_leaf_count += proven->proof.terminal == ProofTerminal::other_leaf;
  }
  CHECK(empty_count > 0);
  CHECK(other_leaf_count > 0);
}

TEST_CASE("a tampered value, proof or root fails verification") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  Hash root = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 200));
  Bytes key = key_of(42);
  auto proven = tree.prove(root, key);
  REQUIRE(proven.ok());
  const StateProof& proof = proven->proof;
  REQUIRE(verify_proof(root, key, value_of(42), proof).ok());

  Status wrong_value = verify_proof(root, key, to_bytes("forged"), proof);
  CHECK(wrong_value.code() == Code::invalid);
  CHECK(wrong_value.message().find("not to the expected root") != std::string::npos);
  CHECK(verify_proof(root, key, std::nullopt, proof).code() == Code::invalid);
  CHECK(verify_proof(root, key_of(43), value_of(42), proof).code() == Code::invalid);

  Hash wrong_root = root;
  wrong_root.data[0] ^= 1;
  CHECK(verify_proof(wrong_root, key, value_of(42), proof).code() == Code::invalid);

  for (size_t depth = 0; depth < proof.siblings.size(); ++depth) {
    StateProof tampered = proof;
    tampered.siblings[depth].data[5] ^= 0x10;
    CHECK(verify_proof(root, key, value_of(42), tampered).code() == Code::invalid);
  }
  StateProof shorter = proof;
  shorter.siblings.pop_back();
  CHECK(!verify_proof(root, key, value_of(42), shorter).ok());
  StateProof longer = proof;
  longer.siblings.push_back(Hash{});
  CHECK(!verify_proof(root, key, value_of(42), longer).ok());

  // Non-inclusion: claiming a present key absent with another leaf fails.
  auto absent = tree.prove(root, key_of(5000));
  REQUIRE(absent.ok());
  StateProof fake_absence = proof;
  fake_absence.terminal = ProofTerminal::empty;
  CHECK(verify_proof(root, key, std::nullopt, fake_absence).code() == Code::invalid);
  CHECK(verify_proof(root, key_of(5000), to_bytes("x"), absent->proof).code() == Code::invalid);
  if (absent->proof.terminal == ProofTerminal::other_leaf) {
    StateProof other = absent->proof;
    other.other_value_hash.data[0] ^= 1;
    CHECK(verify_proof(root, key_of(5000), std::nullopt, other).code() == Code::invalid);
  }
}

TEST_CASE("past roots stay readable and provable after later applies") {
  storage::FaultInjectingStore store;
  std::vector<Hash> roots;
  {
    StateTree tree(store);
    Hash root = StateTree::empty_root();
    for (uint64_t version = 0; version < 5; ++version) {
      root = apply_and_write(tree, store, root, puts(0, 100, version));
      roots.push_back(root);
    }
  }
  StateTree fresh(store);  // empty cache: everything comes from the store
  for (uint64_t version = 0; version < 5; ++version) {
    auto value = fresh.get_at(roots[version], key_of(17));
    REQUIRE(value.ok());
    CHECK(*value == value_of(17, version));
    check_proven(fresh, roots[version], key_of(17), value_of(17, version));
  }
  auto latest = fresh.get_latest(key_of(17));
  REQUIRE(latest.ok());
  CHECK(*latest == value_of(17, 4));
  CHECK(fresh.cache_statistics().misses > 0);
  auto known = fresh.contains_root(roots[2]);
  REQUIRE(known.ok());
  CHECK(*known);
}

TEST_CASE("an unwritten batch leaves no state behind after a crash") {
  storage::FaultInjectingStore store;
  StateTree tree(store);
  Hash durable = apply_and_write(tree, store, StateTree::empty_root(), puts(0, 20));
  storage::WriteBatch batch;
  auto lost = tree.apply(durable, puts(20, 40), batch);
  REQUIRE(lost.ok());
  REQUIRE(store.write(batch, false).ok());
  store.drop_unsynced_writes();
  StateTree restarted(store);
  auto latest_root = restarted.latest_root();
  REQUIRE(latest_root.ok());
  CHECK(*latest_root == durable);
  auto contains = restarted.contains_root(*lost);
  REQUIRE(contains.ok());
  CHECK(!*contains);
  storage::WriteBatch retry;
  CHECK(restarted.apply(*lost, puts(40, 41), retry).status().code() == Code::not_found);
}

// Flips the last byte of every record under `prefix`.
void damage_records(storage::KeyValueStore& store, std::string_view prefix) {
  auto records = store.scan(to_bytes(prefix), {}, 100000);
  REQUIRE(records.ok());
  REQUIRE(!records->empty());
  storage::WriteBatch damage;
  for (storage::KeyValue& record : *records) {
    record.value.back() ^= 1;
    damage.put(record.key, record.value);
  }
  REQUIRE(store.write(damage, true).ok());
}

TEST_CASE("stored pages that do not match their hash are reported as corruption") {
  auto store = storage::make_memory_store();
  Hash root;
  {
    StateTree tree(*store);
    root = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 50));
  }
  damage_records(*store, store_keys::page_prefix);
  StateTree fresh(*store);
  auto value = fresh.get_at(root, key_of(3));
  REQUIRE(!value.ok());
  CHECK(value.status().code() == Code::corruption);
  storage::WriteBatch batch;
  batch.put(to_bytes("block"), to_bytes("kept"));
  auto applied = fresh.apply(root, puts(100, 110), batch);
  REQUIRE(!applied.ok());
  CHECK(applied.status().code() == Code::corruption);
  CHECK(batch.operation_count() == 1);  // the caller's batch is left as it was
}

TEST_CASE("stored leaves that do not match their hash are reported as corruption") {
  auto store = storage::make_memory_store();
  Hash root;
  {
    StateTree tree(*store);
    root = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 50));
  }
  damage_records(*store, store_keys::leaf_prefix);
  StateTree fresh(*store);
  auto value = fresh.get_at(root, key_of(3));
  REQUIRE(!value.ok());
  CHECK(value.status().code() == Code::corruption);
  CHECK(value.status().message().find("state leaf") != std::string::npos);
  // A proof of absence needs no leaf record, and the latest values are kept apart.
  check_proven(fresh, root, key_of(1000), std::nullopt);
  auto latest = fresh.get_latest(key_of(3));
  REQUIRE(latest.ok());
  CHECK(*latest == value_of(3));
}

TEST_CASE("apply rejects unsorted, duplicate, empty and oversized keys") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  storage::WriteBatch batch;
  std::vector<StateChange> unsorted = {{to_bytes("b"), to_bytes("1")}, {to_bytes("a"), to_bytes("2")}};
  CHECK(tree.apply(StateTree::empty_root(), unsorted, batch).status().code() == Code::invalid_argument);
  std::vector<StateChange> duplicate = {{to_bytes("a"), to_bytes("1")}, {to_bytes("a"), std::nullopt}};
  CHECK(tree.apply(StateTree::empty_root(), duplicate, batch).status().code() == Code::invalid_argument);
  std::vector<StateChange> empty_key = {{Bytes{}, to_bytes("1")}};
  CHECK(tree.apply(StateTree::empty_root(), empty_key, batch).status().code() == Code::invalid_argument);
  std::vector<StateChange> big_value = {{to_bytes("a"), Bytes(limits::state_value_size_bytes_max + 1, 0)}};
  CHECK(tree.apply(StateTree::empty_root(), big_value, batch).status().code() == Code::too_large);
  CHECK(batch.empty());
  Hash unknown;
  unknown.data[0] = 1;
  CHECK(tree.apply(unknown, puts(0, 1), batch).status().code() == Code::not_found);
}

TEST_CASE("proof size grows with the logarithm of the key count") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  Hash root = StateTree::empty_root();
  uint64_t count = 0;
  for (uint64_t target : {256u, 4096u, 32768u}) {
    root = apply_and_write(tree, *store, root, puts(count, target));
    count = target;
    double depth_total = 0;
    double size_total = 0;
    const int samples = 200;
    for (int sample = 0; sample < samples; ++sample) {
      auto proven = tree.prove(root, key_of(static_cast<uint64_t>(sample) * 97 % count));
      REQUIRE(proven.ok());
      depth_total += static_cast<double>(proven->proof.siblings.size());
      size_total += static_cast<double>(encode_proof(proven->proof).size());
    }
    double depth_average = depth_total / samples;
    double log2_count = std::log2(static_cast<double>(count));
    MESSAGE("keys " << count << ": average proof depth " << depth_average << ", encoded " << size_total / samples
                    << " bytes");
    CHECK(depth_average > log2_count - 2);
    CHECK(depth_average < log2_count + 4);
    CHECK(size_total / samples < 40 * (log2_count + 4));
  }
}

TEST_CASE("proof encoding round-trips and rejects everything else") {
  StateProof proof;
  proof.siblings.resize(11);
  proof.siblings[0].data[0] = 1;
  proof.siblings[10].data[31] = 2;
  proof.terminal = ProofTerminal::other_leaf;
  proof.other_key_hash.data[3] = 3;
  proof.other_value_hash.data[4] = 4;
  Bytes encoded = encode_proof(proof);
  CHECK(encoded.size() == 1 + 2 + 2 + 2 * 32 + 1 + 64);
  auto decoded = decode_proof(encoded);
  REQUIRE(decoded.ok());
  CHECK(*decoded == proof);

  auto rejects = [](Bytes bytes) {
    auto result = decode_proof(bytes);
    CHECK(!result.ok());
    if (!result.ok()) CHECK(result.status().code() == Code::malformed);
  };
  rejects({});
  rejects(Bytes(encoded.begin(), encoded.end() - 1));  // truncated
  Bytes trailing = encoded;
  trailing.push_back(0);
  rejects(trailing);
  Bytes version = encoded;
  version[0] = 9;
  rejects(version);
  Bytes unused_bit = encoded;
  unused_bit[4] |= 0x01;  // depth 11: bits 11..15 of the bitmap are unused
  rejects(unused_bit);
  Bytes terminal = encode_proof(StateProof{});
  terminal.back() = 3;
  rejects(terminal);
  rejects(Bytes{1, 0x01, 0x01});  // depth 257
  StateProof zero_sibling;
  zero_sibling.siblings.resize(1);
  zero_sibling.siblings[0].data[0] = 1;
  Bytes zero_marked = encode_proof(zero_sibling);
  std::fill(zero_marked.begin() + 4, zero_marked.begin() + 36, 0);
  rejects(zero_marked);
}

TEST_CASE("the cache serves repeated reads") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  Hash root = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 100));
  for (int round = 0; round < 3; ++round) CHECK(tree.get_at(root, key_of(5)).ok());
  CacheStatistics statistics = tree.cache_statistics();
  CHECK(statistics.hits > 0);
  CHECK(statistics.node_count > 5);  // 100 keys: a root page and about 16 pages below it
  CHECK(statistics.size_bytes > 0);
}

TEST_CASE("readers prove old roots while one writer applies blocks") {
  auto store = storage::make_memory_store();
  StateTree tree(*store, StateTreeOptions{.cache_size_bytes_max = 256 * 1024});
  Hash first = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 200));
  std::atomic<bool> done = false;
  std::atomic<int> failures = 0;
  std::thread reader([&] {
    for (int round = 0; round < 2000 && !done; ++round) {
      uint64_t index = static_cast<uint64_t>(round) % 200;
      auto proven = tree.prove(first, key_of(index));
      if (!proven.ok() || !verify_proof(first, key_of(index), value_of(index), proven->proof).ok()) ++failures;
    }
  });
  Hash root = first;
  for (uint64_t version = 1; version < 20; ++version) root = apply_and_write(tree, *store, root, puts(0, 200, version));
  done = true;
  reader.join();
  CHECK(failures == 0);
  check_proven(tree, root, key_of(3), value_of(3, 19));
}

TEST_CASE("big blocks, rewritten on several threads, match the reference model") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  Model model;
  for (const StateChange& change : puts(0, 4000)) model[change.key] = *change.value;
  Hash root = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 4000));
  REQUIRE(root == reference_root(model));
  std::vector<StateChange> changes;
  for (uint64_t index = 0; index < 6000; index += 2) {
    bool erase = index % 6 == 0;
    changes.push_back({key_of(index), erase ? std::nullopt : std::optional<Bytes>(value_of(index, 1))});
    if (erase)
      model.erase(key_of(index));
    else
      model[key_of(index)] = value_of(index, 1);
  }
  root = apply_and_write(tree, *store, root, changes);
  CHECK(root == reference_root(model));
  check_proven(tree, root, key_of(4), value_of(4, 1));
  check_proven(tree, root, key_of(6), std::nullopt);
}

TEST_CASE("state on LevelDB survives closing and reopening the store") {
  std::filesystem::path directory =
      std::filesystem::temp_directory_path() / ("govchain-state-test-" + std::to_string(getpid()));
  std::filesystem::remove_all(directory);
  Hash root;
  {
    auto store = storage::open_leveldb_store(directory.string());
    REQUIRE(store.ok());
    StateTree tree(**store);
    root = apply_and_write(tree, **store, StateTree::empty_root(), puts(0, 1000));
    root = apply_and_write(tree, **store, root, {{key_of(5), std::nullopt}});
    REQUIRE((*store)->close().ok());
  }
  auto store = storage::open_leveldb_store(directory.string(), storage::LevelDbOptions{.create_if_missing = false});
  REQUIRE(store.ok());
  StateTree tree(**store);
  auto latest_root = tree.latest_root();
  REQUIRE(latest_root.ok());
  CHECK(*latest_root == root);
  check_proven(tree, root, key_of(6), value_of(6));
  check_proven(tree, root, key_of(5), std::nullopt);
  auto latest = tree.get_latest(key_of(5));
  REQUIRE(latest.ok());
  CHECK(!latest->has_value());
  REQUIRE((*store)->close().ok());
  std::filesystem::remove_all(directory);
}
