#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/limits.h"
#include "crypto/hash.h"
#include "state/leaf_record.h"
#include "state/page.h"
#include "state/proof.h"
#include "state/state_tree.h"
#include "state/tree_reader.h"
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

// ---------------------------------------------------------------------------
// Pages: the tree is stored in pages of four levels; the root, the proofs and
// their encoding must stay exactly those of the binary definition.

namespace {

using Leaves = std::vector<std::pair<Hash, Hash>>;  // (key hash, value hash), sorted by key hash

Leaves leaves_of(const Model& model) {
  Leaves leaves;
  for (const auto& [key, value] : model) leaves.emplace_back(state_key_hash(key), crypto::sha256(value));
  std::sort(leaves.begin(), leaves.end());
  return leaves;
}

// The proof of `key` straight from the definition in docs/state.md: the
// siblings are the reference hashes of the subtrees next to the key's path.
StateProof reference_proof(const Leaves& all, ByteView key) {
  const Hash key_hash = state_key_hash(key);
  StateProof proof;
  std::span<const std::pair<Hash, Hash>> leaves(all);
  for (uint32_t depth = 0;; ++depth) {
    if (leaves.empty()) return proof;  // terminal empty
    if (leaves.size() == 1) {
      if (leaves[0].first == key_hash) {
        proof.terminal = ProofTerminal::key_leaf;
      } else {
        proof.terminal = ProofTerminal::other_leaf;
        proof.other_key_hash = leaves[0].first;
        proof.other_value_hash = leaves[0].second;
      }
      return proof;
    }
    auto split = std::partition_point(leaves.begin(), leaves.end(),
                                      [depth](const auto& leaf) { return !path_bit(leaf.first, depth); });
    const size_t left_count = static_cast<size_t>(split - leaves.begin());
    auto left = leaves.subspan(0, left_count);
    auto right = leaves.subspan(left_count);
    const bool goes_right = path_bit(key_hash, depth);
    proof.siblings.push_back(reference_root(goes_right ? left : right, depth + 1));
    leaves = goes_right ? right : left;
  }
}

// Keys whose hashes share long prefixes (20 to 35 bits), found among many
// candidates, so that the tree gets chains of pages with one child and
// leaves that move up and down across page borders.
std::vector<Bytes> clustered_keys(size_t pair_count) {
  std::vector<std::pair<Hash, uint64_t>> candidates;
  for (uint64_t index = 0; index < 100000; ++index)
    candidates.emplace_back(state_key_hash(to_bytes("near-" + std::to_string(index))), index);
  std::sort(candidates.begin(), candidates.end());
  auto common_bits = [](const Hash& left, const Hash& right) {
    uint32_t bits = 0;
    while (bits < tree_depth_max && path_bit(left, bits) == path_bit(right, bits)) ++bits;
    return bits;
  };
  std::vector<std::pair<uint32_t, size_t>> neighbours;  // (common bits, index of the first of the pair)
  for (size_t index = 0; index + 1 < candidates.size(); ++index)
    neighbours.emplace_back(common_bits(candidates[index].first, candidates[index + 1].first), index);
  std::sort(neighbours.rbegin(), neighbours.rend());
  std::vector<Bytes> keys;
  for (size_t pair = 0; pair < pair_count; ++pair) {
    const size_t index = neighbours[pair].second;
    keys.push_back(to_bytes("near-" + std::to_string(candidates[index].second)));
    keys.push_back(to_bytes("near-" + std::to_string(candidates[index + 1].second)));
  }
  return keys;
}

void check_against_reference(const StateTree& tree, const Hash& root, const Model& model, std::span<const Bytes> keys) {
  const Leaves leaves = leaves_of(model);
  REQUIRE(root == reference_root(leaves, 0));
  for (const Bytes& key : keys) {
    auto proven = tree.prove(root, key);
    REQUIRE(proven.ok());
    auto found = model.find(key);
    const std::optional<Bytes> expected = found == model.end() ? std::nullopt : std::optional<Bytes>(found->second);
    CHECK(proven->value == expected);
    CHECK(proven->proof == reference_proof(leaves, key));
    CHECK(encode_proof(proven->proof) == encode_proof(reference_proof(leaves, key)));
    CHECK(verify_proof(root, key, expected, proven->proof).ok());
  }
}

// Every record in the store, for comparing two stores.
std::vector<storage::KeyValue> everything(const storage::KeyValueStore& store) {
  auto records = store.scan({}, {}, 10'000'000);
  REQUIRE(records.ok());
  return *records;
}

}  // namespace

TEST_CASE("roots and proofs equal the binary definition over random blocks, also at every older root") {
  auto store = storage::make_memory_store();
  StateTree tree(*store, StateTreeOptions{.cache_size_bytes_max = 256 * 1024});  // small: many pages from the store
  std::vector<Bytes> keys = clustered_keys(40);
  for (uint64_t index = 0; index < 300; ++index) keys.push_back(key_of(index));
  std::vector<Bytes> absent = {to_bytes("never-1"), to_bytes("never-2"), to_bytes("near-999999")};
  std::mt19937_64 random(2024);
  Model model;
  std::vector<std::pair<Hash, Model>> versions;
  Hash root = StateTree::empty_root();
  for (int block = 0; block < 80; ++block) {
    std::map<Bytes, std::optional<Bytes>, storage::BytesLess> block_changes;
    const int change_count = block == 0 ? 200 : static_cast<int>(random() % 60);
    for (int change = 0; change < change_count; ++change) {
      const Bytes& key = keys[random() % keys.size()];
      const bool erase = random() % 3 == 0;
      // Some puts set a value the key already has, which must change nothing.
      const bool same = !erase && model.count(key) && random() % 5 == 0;
      block_changes[key] = erase  ? std::nullopt
                           : same ? std::optional<Bytes>(model[key])
                                  : std::optional<Bytes>(to_bytes("v" + std::to_string(block)));
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
    versions.emplace_back(root, model);
    // Every fourth block all clustered keys, otherwise a sample; the root always.
    std::vector<Bytes> sample(keys.begin(), keys.begin() + (block % 4 == 0 ? 80 : 0));
    for (int pick = 0; pick < 12; ++pick) sample.push_back(keys[random() % keys.size()]);
    sample.insert(sample.end(), absent.begin(), absent.end());
    check_against_reference(tree, root, model, sample);
  }
  // Older roots stay readable and provable, from a cold cache too.
  StateTree cold(*store, StateTreeOptions{.cache_size_bytes_max = 64 * 1024});
  for (size_t version = 0; version < versions.size(); version += 13)
    check_against_reference(cold, versions[version].first, versions[version].second,
                            std::span<const Bytes>(keys).subspan(0, 120));
  // Everything deleted: the empty root again.
  std::vector<StateChange> deletions;
  for (const auto& [key, value] : model) deletions.push_back({key, std::nullopt});
  CHECK(apply_and_write(tree, *store, root, deletions).is_zero());
}

TEST_CASE("the same blocks give the same root and the same records whatever the cache holds") {
  // One tree with a cache that holds everything, one with a tiny cache, and
  // one that starts with an empty cache for every block; blocks big enough
  // to be rewritten on several threads are among them.
  auto store_big = storage::make_memory_store();
  auto store_tiny = storage::make_memory_store();
  auto store_cold = storage::make_memory_store();
  StateTree big(*store_big, StateTreeOptions{.cache_size_bytes_max = 64 << 20});
  StateTree tiny(*store_tiny, StateTreeOptions{.cache_size_bytes_max = 32 * 1024});
  Hash root_big;
  Hash root_tiny;
  Hash root_cold;
  std::mt19937_64 random(7);
  for (int block = 0; block < 12; ++block) {
    std::map<Bytes, std::optional<Bytes>, storage::BytesLess> unique;
    const int change_count = block % 4 == 0 ? 3000 : 200;
    for (int change = 0; change < change_count; ++change) {
      const uint64_t index = random() % 6000;
      unique[key_of(index)] = random() % 4 == 0 ? std::nullopt : std::optional<Bytes>(value_of(index, block));
    }
    std::vector<StateChange> changes;
    for (auto& [key, value] : unique) changes.push_back({key, value});
    root_big = apply_and_write(big, *store_big, root_big, changes);
    root_tiny = apply_and_write(tiny, *store_tiny, root_tiny, changes);
    StateTree cold(*store_cold);
    root_cold = apply_and_write(cold, *store_cold, root_cold, changes);
    REQUIRE(root_big == root_tiny);
    REQUIRE(root_big == root_cold);
  }
  CHECK(everything(*store_big) == everything(*store_tiny));
  CHECK(everything(*store_big) == everything(*store_cold));
}

TEST_CASE("apply puts everything into the caller's batch and writes nothing itself") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  Hash root = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 500));
  const auto before = everything(*store);
  storage::WriteBatch batch;
  std::vector<StateChange> changes = puts(400, 700, 1);
  auto applied = tree.apply(root, changes, batch);
  REQUIRE(applied.ok());
  CHECK(everything(*store) == before);
  CHECK(batch.operation_count() > changes.size());
  // Until the batch is written the store still answers for the old root.
  check_proven(tree, root, key_of(450), value_of(450));
  auto latest = tree.latest_root();
  REQUIRE(latest.ok());
  CHECK(*latest == root);
  REQUIRE(store->write(batch, true).ok());
  check_proven(tree, *applied, key_of(450), value_of(450, 1));
}

namespace {

// The pages and leaves reachable from `root`, read through the tree's reader.
void reachable(TreeReader& reader, const Slot& slot, uint32_t depth, std::set<Hash>& pages, std::set<Hash>& leaves) {
  if (slot.kind == SlotKind::leaf) leaves.insert(slot.hash);
  if (slot.kind != SlotKind::page) return;
  pages.insert(slot.hash);
  auto page = reader.load_page(slot.hash, depth);
  REQUIRE(page.ok());
  for (uint32_t index = 0; index < page_slot_count; ++index)
    reachable(reader, (*page)->slot(index), depth + page_levels, pages, leaves);
}

struct Reachable {
  std::set<Hash> pages;
  std::set<Hash> leaves;
};

Reachable reachable_from(const storage::KeyValueStore& store, PageCache& cache, const Hash& root) {
  TreeReader reader(store, cache);
  auto top = reader.load_root(root);
  REQUIRE(top.ok());
  Reachable found;
  reachable(reader, *top, 0, found.pages, found.leaves);
  return found;
}

struct StaleRecord {
  Hash root;
  std::vector<Hash> pages;
  std::vector<Hash> leaves;
};

uint64_t big_endian(ByteView bytes) {
  uint64_t value = 0;
  for (uint8_t byte : bytes) value = (value << 8) | byte;
  return value;
}

Bytes stale_key(uint64_t version) {
  Bytes key = to_bytes(store_keys::stale_prefix);
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<uint8_t>(version >> shift));
  return key;
}

StaleRecord read_stale_record(const storage::KeyValueStore& store, uint64_t version) {
  auto stored = store.get(stale_key(version));
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  const Bytes& bytes = **stored;
  StaleRecord record;
  size_t at = 0;
  record.root = Hash::from_view(ByteView(bytes.data(), 32));
  at += 32;
  for (std::vector<Hash>* list : {&record.pages, &record.leaves}) {
    const uint64_t count = big_endian(ByteView(bytes.data() + at, 4));
    at += 4;
    for (uint64_t index = 0; index < count; ++index, at += 32)
      list->push_back(Hash::from_view(ByteView(bytes.data() + at, 32)));
  }
  CHECK(at == bytes.size());
  return record;
}

// The pruning of docs/state.md ("Versions and pruning"): for each version
// up to `cutoff`, delete what its stale list names unless the record was
// written again by that version or a later one.
void prune_through(storage::KeyValueStore& store, uint64_t first, uint64_t cutoff) {
  for (uint64_t version = first; version <= cutoff; ++version) {
    StaleRecord stale = read_stale_record(store, version);
    storage::WriteBatch batch;
    for (const auto& [list, prefix] :
         {std::pair{&stale.pages, store_keys::page_prefix}, std::pair{&stale.leaves, store_keys::leaf_prefix}}) {
      for (const Hash& hash : *list) {
        const RecordKey key = record_key(prefix, hash);
        auto record = store.get(key);
        REQUIRE(record.ok());
        REQUIRE(record->has_value());  // a record is named stale at most once while it exists
        const uint64_t written_by =
            big_endian(ByteView((*record)->data() + (prefix == store_keys::page_prefix ? 2 : 1), 8));
        if (written_by < version) batch.erase(key);
      }
    }
    batch.erase(stale_key(version));
    REQUIRE(store.write(batch, true).ok());
  }
}

}  // namespace

TEST_CASE("each version records its root and exactly what it made stale, so old versions can be pruned") {
  auto store = storage::make_memory_store();
  StateTree tree(*store, StateTreeOptions{.cache_size_bytes_max = 128 * 1024});
  std::mt19937_64 random(5);
  Model model;
  std::vector<std::pair<Hash, Model>> versions;  // versions[v - 1] = root and content of version v
  PageCache walk_cache(16 << 20);
  Hash root = StateTree::empty_root();
  for (uint64_t version = 1; version <= 40; ++version) {
    std::map<Bytes, std::optional<Bytes>, storage::BytesLess> unique;
    for (int change = 0; change < (version == 1 ? 300 : 40); ++change) {
      const uint64_t index = random() % 400;
      // Values repeat (three per key), so records come back after being stale.
      unique[key_of(index)] = random() % 4 == 0 ? std::nullopt : std::optional<Bytes>(value_of(index, random() % 3));
    }
    std::vector<StateChange> changes;
    for (auto& [key, value] : unique) {
      changes.push_back({key, value});
      if (value)
        model[key] = *value;
      else
        model.erase(key);
    }
    const Hash previous = root;
    root = apply_and_write(tree, *store, root, changes);
    versions.emplace_back(root, model);
    auto latest_version = tree.latest_version();
    REQUIRE(latest_version.ok());
    CHECK(*latest_version == version);
    CHECK(tree.last_apply_statistics().version == version);
    StaleRecord stale = read_stale_record(*store, version);
    CHECK(stale.root == root);
    // The stale list is exactly what the version before holds and this one does not.
    const Reachable before = previous.is_zero() ? Reachable{} : reachable_from(*store, walk_cache, previous);
    const Reachable after = reachable_from(*store, walk_cache, root);
    std::set<Hash> gone_pages;
    std::set<Hash> gone_leaves;
    std::set_difference(before.pages.begin(), before.pages.end(), after.pages.begin(), after.pages.end(),
                        std::inserter(gone_pages, gone_pages.end()));
    std::set_difference(before.leaves.begin(), before.leaves.end(), after.leaves.begin(), after.leaves.end(),
                        std::inserter(gone_leaves, gone_leaves.end()));
    CHECK(std::set<Hash>(stale.pages.begin(), stale.pages.end()) == gone_pages);
    CHECK(std::set<Hash>(stale.leaves.begin(), stale.leaves.end()) == gone_leaves);
    CHECK(stale.pages.size() == gone_pages.size());  // no duplicates
    CHECK(tree.last_apply_statistics().stale_pages == gone_pages.size());
  }
  // Keep versions 25..40 (a retention of 16 versions): process the stale
  // lists of versions 1..25, each of which names what the version before
  // held and it does not.
  prune_through(*store, 1, 25);
  StateTree fresh(*store, StateTreeOptions{.cache_size_bytes_max = 64 * 1024});
  std::vector<Bytes> keys;
  for (uint64_t index = 0; index < 400; ++index) keys.push_back(key_of(index));
  for (size_t version : {25, 29, 33, 36, 40})
    check_against_reference(fresh, versions[version - 1].first, versions[version - 1].second, keys);
  // What is left is what the retained versions reach, and nothing more: the
  // pruning leaks nothing that versions 1..24 held alone.
  std::set<Hash> needed_pages;
  std::set<Hash> needed_leaves;
  PageCache pruned_cache(16 << 20);  // a new cache: every page comes from the pruned store
  for (size_t version = 25; version <= 40; ++version) {
    Reachable found = reachable_from(*store, pruned_cache, versions[version - 1].first);
    needed_pages.insert(found.pages.begin(), found.pages.end());
    needed_leaves.insert(found.leaves.begin(), found.leaves.end());
  }
  auto stored_pages = store->scan(to_bytes(store_keys::page_prefix), {}, 1'000'000);
  REQUIRE(stored_pages.ok());
  CHECK(stored_pages->size() == needed_pages.size());
  auto stored_leaves = store->scan(to_bytes(store_keys::leaf_prefix), {}, 1'000'000);
  REQUIRE(stored_leaves.ok());
  CHECK(stored_leaves->size() == needed_leaves.size());
}

TEST_CASE("only roots are roots: a page below the top or an unknown hash is not found") {
  auto store = storage::make_memory_store();
  StateTree tree(*store);
  Hash root = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 2000));
  PageCache cache(1 << 20);
  TreeReader reader(*store, cache);
  auto top = reader.load_page(root, 0);
  REQUIRE(top.ok());
  Hash below;
  for (uint32_t index = 0; index < page_slot_count; ++index)
    if ((*top)->slot_kind(index) == SlotKind::page) below = (*top)->slot(index).hash;
  REQUIRE(!below.is_zero());
  auto not_a_root = [&](const StateTree& reading) {
    auto contained = reading.contains_root(below);
    REQUIRE(contained.ok());
    CHECK(!*contained);
    CHECK(reading.prove(below, key_of(1)).status().code() == Code::not_found);
  };
  not_a_root(tree);               // the page is in its cache
  not_a_root(StateTree(*store));  // and read from the store
  storage::WriteBatch batch;
  CHECK(tree.apply(below, puts(0, 1), batch).status().code() == Code::not_found);
  CHECK(batch.empty());
}

TEST_CASE("state written in the older format is refused with a clear message") {
  auto store = storage::make_memory_store();
  storage::WriteBatch old;
  old.put(to_bytes(store_keys::latest_root), Hash{}.view());
  old.put(to_bytes("s/n/0123456789abcdef0123456789abcdef"), to_bytes("an old binary node"));
  REQUIRE(store->write(old, true).ok());
  StateTree tree(*store);
  auto root = tree.latest_root();
  REQUIRE(!root.ok());
  CHECK(root.status().code() == Code::invalid);
  CHECK(root.status().message().find("no migration") != std::string::npos);
  storage::WriteBatch batch;
  CHECK(tree.apply(Hash{}, puts(0, 3), batch).status().code() == Code::invalid);
  CHECK(batch.empty());
}

TEST_CASE("page records round-trip and reject every malformed form") {
  Slots slots;
  auto leaf_slot = [](const Bytes& key, const Bytes& value) {
    const Hash key_hash = state_key_hash(key);
    const Hash value_hash = crypto::sha256(value);
    return Slot::leaf(leaf_hash(key_hash, value_hash), key_hash, value_hash);
  };
  // Two leaves in different slots of the root page, and a child page.
  std::vector<Bytes> keys;
  for (uint64_t index = 0; keys.size() < 2; ++index)
    if (slot_of(state_key_hash(key_of(index)), 0) != (keys.empty() ? 99u : slot_of(state_key_hash(keys[0]), 0)))
      keys.push_back(key_of(index));
  for (const Bytes& key : keys) slots[slot_of(state_key_hash(key), 0)] = leaf_slot(key, to_bytes("value"));
  Hash child;
  child.data[7] = 7;
  uint32_t free_slot = 0;
  while (slots[free_slot].kind != SlotKind::empty) ++free_slot;
  slots[free_slot] = Slot::page(child);
  PagePointer page = Page::make(0, slots);
  std::array<uint8_t, page_record_size_bytes_max> buffer;
  Bytes record(buffer.begin(), buffer.begin() + encode_page(*page, 42, buffer.data()));
  CHECK(record.size() == 14 + 32 + 2 * 64);
  uint64_t version = 0;
  auto decoded = decode_page(record, page->hash(), 0, &version);
  REQUIRE(decoded.ok());
  CHECK((*decoded)->hash() == page->hash());
  CHECK(version == 42);
  Slots read;
  (*decoded)->read_slots(read);
  for (uint32_t index = 0; index < page_slot_count; ++index) {
    CHECK((*decoded)->slot(index).same_as(slots[index]));
    CHECK(read[index].same_as(slots[index]));
    CHECK(read[index].key_hash == slots[index].key_hash);
    CHECK(read[index].value_hash == slots[index].value_hash);
  }
  // The page hash is the binary tree's hash of those three subtrees.
  for (uint32_t position = 1; position < 2 * page_slot_count; ++position)
    if (position < page_slot_count && page->position_kind(position) == PositionKind::inner)
      CHECK(page->position_hash(position) ==
            inner_hash(page->position_hash(2 * position), page->position_hash(2 * position + 1)));

  auto rejects = [&](Bytes bytes, uint32_t depth = 0) {
    auto result = decode_page(bytes, page->hash(), depth);
    CHECK(!result.ok());
    if (!result.ok()) CHECK(result.status().code() == Code::corruption);
  };
  rejects({});
  rejects(Bytes(record.begin(), record.end() - 1));  // truncated
  Bytes longer = record;
  longer.push_back(0);
  rejects(longer);
  Bytes format = record;
  format[0] = 9;
  rejects(format);
  rejects(record, 4);  // another depth than the record says
  Bytes leaf_outside = record;
  leaf_outside[12] = 0xFF;  // leaf mask beyond the occupied slots
  leaf_outside[13] = 0xFF;
  rejects(leaf_outside);
  Bytes flipped = record;
  flipped.back() ^= 1;  // a value hash changed: the page hashes differently
  rejects(flipped);
  Bytes zero_child = record;
  const size_t child_at = 14 + 64 * (free_slot > slot_of(state_key_hash(keys[0]), 0)) +
                          64 * (free_slot > slot_of(state_key_hash(keys[1]), 0));
  std::fill(zero_child.begin() + static_cast<long>(child_at), zero_child.begin() + static_cast<long>(child_at) + 32, 0);
  rejects(zero_child);
  // A page of one leaf is not canonical (the leaf belongs in the parent).
  Slots single;
  single[slot_of(state_key_hash(keys[0]), 0)] = leaf_slot(keys[0], to_bytes("value"));
  Bytes one_leaf = {1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
  const uint16_t bit = static_cast<uint16_t>(1u << slot_of(state_key_hash(keys[0]), 0));
  one_leaf[10] = static_cast<uint8_t>(bit >> 8);
  one_leaf[11] = static_cast<uint8_t>(bit);
  one_leaf[12] = static_cast<uint8_t>(bit >> 8);
  one_leaf[13] = static_cast<uint8_t>(bit);
  const Hash key_hash = state_key_hash(keys[0]);
  const Hash value_hash = crypto::sha256(to_bytes("value"));
  one_leaf.insert(one_leaf.end(), key_hash.data.begin(), key_hash.data.end());
  one_leaf.insert(one_leaf.end(), value_hash.data.begin(), value_hash.data.end());
  rejects(one_leaf);
}

TEST_CASE("leaf records round-trip and reject damage") {
  Bytes record;
  encode_leaf_record(to_bytes("key"), to_bytes("value"), 7, record);
  const Hash leaf = leaf_hash(state_key_hash(to_bytes("key")), crypto::sha256(to_bytes("value")));
  uint64_t version = 0;
  auto decoded = decode_leaf_record(record, leaf, &version);
  REQUIRE(decoded.ok());
  CHECK(decoded->key == to_bytes("key"));
  CHECK(decoded->value == to_bytes("value"));
  CHECK(version == 7);
  // Every byte but the version (bytes 1..8, bookkeeping for pruning that the
  // leaf hash does not cover) is checked.
  for (size_t index = 0; index < record.size(); ++index) {
    if (index >= 1 && index <= 8) continue;
    Bytes damaged = record;
    damaged[index] ^= 0x01;
    CHECK(decode_leaf_record(damaged, leaf).status().code() == Code::corruption);
  }
  CHECK(decode_leaf_record(Bytes(record.begin(), record.end() - 1), leaf).status().code() == Code::corruption);
  CHECK(decode_leaf_record({}, leaf).status().code() == Code::corruption);
}

TEST_CASE("warm_cache reads the upper pages and respects the cache bound") {
  auto store = storage::make_memory_store();
  Hash root;
  {
    StateTree tree(*store);
    root = apply_and_write(tree, *store, StateTree::empty_root(), puts(0, 20000));
  }
  StateTree whole(*store, StateTreeOptions{.cache_size_bytes_max = 64 << 20});
  REQUIRE(whole.warm_cache(root).ok());
  const CacheStatistics all = whole.cache_statistics();
  CHECK(all.node_count > 4000);  // 20,000 keys: about 8,000 pages
  const size_t bound_bytes = 1 << 20;
  StateTree small(*store, StateTreeOptions{.cache_size_bytes_max = bound_bytes});
  REQUIRE(small.warm_cache(root).ok());
  CHECK(small.cache_statistics().size_bytes <= bound_bytes);
  CHECK(small.cache_statistics().node_count > 100);
  const uint64_t misses = small.cache_statistics().misses;
  check_proven(small, root, key_of(77), value_of(77));
  CHECK(small.cache_statistics().misses - misses <= 3);  // the top of the path was in the cache
  Hash unknown;
  unknown.data[0] = 1;
  CHECK(small.warm_cache(unknown).code() == Code::not_found);
}
