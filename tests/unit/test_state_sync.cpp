// State sync's importer (state/state_sync.h): a whole tree copied record by
// record from another store, each record checked against its hash; wrong,
// tampered, oversized and foreign records are refused and nothing of them
// is written; an interrupted import resumes; finish() re-checks the tree.
#include <doctest/doctest.h>

#include <map>

#include "core/limits.h"
#include "crypto/hash.h"
#include "state/proof.h"
#include "state/state_sync.h"
#include "state/state_tree.h"
#include "storage/store.h"

using namespace govchain;
using namespace govchain::state;

namespace {

Bytes key_of(uint64_t index) { return to_bytes("key/" + std::to_string(index)); }
Bytes value_of(uint64_t index, uint64_t salt = 0) {
  return to_bytes("value/" + std::to_string(index) + "/" + std::to_string(salt));
}

// A tree of `count` keys in a store of its own.
struct Source {
  std::unique_ptr<storage::KeyValueStore> store = storage::make_memory_store();
  StateTree tree{*store};
  Hash root;
  std::map<Bytes, Bytes, storage::BytesLess> values;

  explicit Source(uint64_t count, uint64_t salt = 0) {
    std::vector<StateChange> changes;
    for (uint64_t index = 0; index < count; ++index) {
      changes.push_back({key_of(index), value_of(index, salt)});
      values[key_of(index)] = value_of(index, salt);
    }
    sort_changes(changes);
    storage::WriteBatch batch;
    auto applied = tree.apply(StateTree::empty_root(), changes, batch);
    REQUIRE(applied.ok());
    REQUIRE(store->write(batch, true).ok());
    root = *applied;
  }
  Bytes record(const WantedRecord& wanted) const {
    auto record = read_state_record(*store, wanted.kind, wanted.hash);
    REQUIRE(record.ok());
    return *record;
  }
};

// Feeds the importer from `source` until done or until `records_max`
// records were accepted; returns how many were accepted.
size_t import_from(StateImporter& importer, const Source& source, size_t records_max = SIZE_MAX) {
  size_t accepted = 0;
  while (!importer.done() && accepted < records_max) {
    auto wanted = importer.next_wanted(std::min<size_t>(256, records_max - accepted));
    REQUIRE(wanted.ok());
    for (const auto& record : *wanted) {
      REQUIRE(importer.accept(record, source.record(record)).ok());
      ++accepted;
    }
  }
  return accepted;
}

void check_usable(storage::KeyValueStore& store, const Source& source) {
  StateTree tree(store);
  auto root = tree.latest_root();
  REQUIRE(root.ok());
  CHECK(*root == source.root);
  for (const auto& [key, value] : source.values) {
    auto latest = tree.get_latest(key);
    REQUIRE(latest.ok());
    CHECK(*latest == value);
  }
  const Bytes& key = source.values.begin()->first;
  auto proven = tree.prove(source.root, key);
  REQUIRE(proven.ok());
  CHECK(verify_proof(source.root, key, source.values.begin()->second, proven->proof).ok());
}

}  // namespace

TEST_CASE("an import of honest records reproduces the root, every value and proofs") {
  Source source(3000);
  auto store = storage::make_memory_store();
  StateImporter importer(*store, source.root, 7);
  import_from(importer, source);
  CHECK(importer.progress().leaves == 3000);
  CHECK(importer.progress().pages > 0);
  // Nothing is usable before finish(): no root is written yet.
  CHECK(*StateTree(*store).latest_root() == StateTree::empty_root());
  storage::WriteBatch batch;
  REQUIRE(importer.finish(batch).ok());
  REQUIRE(store->write(batch, true).ok());
  check_usable(*store, source);
  CHECK(*StateTree(*store).latest_version() == 7);
  // The tree applies blocks on top of the imported root.
  StateTree tree(*store);
  std::vector<StateChange> changes{{key_of(1), value_of(1, 9)}};
  storage::WriteBatch next;
  CHECK(tree.apply(source.root, changes, next).ok());
}

TEST_CASE("a tampered record is refused and nothing of it is written") {
  Source source(500);
  auto store = storage::make_memory_store();
  StateImporter importer(*store, source.root, 2);
  auto wanted = importer.next_wanted(1);
  REQUIRE(wanted.ok());
  REQUIRE(wanted->size() == 1);
  Bytes record = source.record((*wanted)[0]);
  record[record.size() - 1] ^= 0x01;
  Status refused = importer.accept((*wanted)[0], record);
  CHECK(refused.code() == Code::corruption);
  CHECK(refused.message().find("page") != std::string::npos);
  CHECK(!store->get(storage::prefixed_key(to_bytes("s/p/"), (*wanted)[0].hash.view()))->has_value());
  // Given back, the honest record from another peer completes the import.
  importer.give_back(*wanted);
  import_from(importer, source);
  storage::WriteBatch batch;
  REQUIRE(importer.finish(batch).ok());
  REQUIRE(store->write(batch, true).ok());
  check_usable(*store, source);
}

TEST_CASE("a tampered leaf (another value under the same key) is refused") {
  Source source(40);
  auto store = storage::make_memory_store();
  StateImporter importer(*store, source.root, 2);
  size_t refused = 0;
  while (!importer.done()) {
    auto wanted = importer.next_wanted(256);
    REQUIRE(wanted.ok());
    for (const auto& record : *wanted) {
      Bytes bytes = source.record(record);
      if (record.kind == RecordKind::leaf && refused == 0) {
        bytes.back() ^= 0x20;  // the value's last byte
        CHECK(importer.accept(record, bytes).code() == Code::corruption);
        ++refused;
        importer.give_back({record});
        continue;
      }
      REQUIRE(importer.accept(record, bytes).ok());
    }
  }
  CHECK(refused == 1);
}

TEST_CASE("records of another root are refused") {
  Source source(200);
  Source other(200, 1);
  auto store = storage::make_memory_store();
  StateImporter importer(*store, source.root, 2);
  auto wanted = importer.next_wanted(1);
  REQUIRE(wanted.ok());
  // The other tree's root page, sent for this root.
  Bytes foreign = other.record({RecordKind::page, other.root, 0});
  CHECK(importer.accept((*wanted)[0], foreign).code() == Code::corruption);
  // A leaf record sent where a page is wanted.
  StateImporter leaf_first(*store, source.root, 2);
  auto root_wanted = leaf_first.next_wanted(1);
  REQUIRE(root_wanted.ok());
  auto page = source.record((*root_wanted)[0]);
  REQUIRE(leaf_first.accept((*root_wanted)[0], page).ok());
  auto children = leaf_first.next_wanted(256);
  REQUIRE(children.ok());
  REQUIRE(!children->empty());
  CHECK(leaf_first.accept(children->front(), foreign).code() == Code::corruption);
}

TEST_CASE("an oversized record is refused before it is decoded") {
  Source source(50);
  auto store = storage::make_memory_store();
  StateImporter importer(*store, source.root, 2);
  auto wanted = importer.next_wanted(1);
  REQUIRE(wanted.ok());
  Bytes huge(state_record_size_bytes_max() + 1, 0x42);
  Status refused = importer.accept((*wanted)[0], huge);
  CHECK(refused.code() == Code::corruption);
  CHECK(refused.message().find("more than any state record") != std::string::npos);
  CHECK(state_record_size_bytes_max() >= limits::state_value_size_bytes_max + limits::state_key_size_bytes_max);
}

TEST_CASE("an interrupted import resumes with the records it wrote, at the same or another root") {
  Source first(2000);
  auto store = storage::make_memory_store();
  {
    StateImporter importer(*store, first.root, 5);
    import_from(importer, first, 900);
    CHECK(!importer.done());
  }  // the process died here
  SUBCASE("the same root: only the rest is fetched") {
    StateImporter importer(*store, first.root, 5);
    const size_t fetched = import_from(importer, first);
    CHECK(importer.progress().found_locally > 0);
    CHECK(fetched + importer.progress().found_locally >= importer.progress().pages + importer.progress().leaves);
    storage::WriteBatch batch;
    REQUIRE(importer.finish(batch).ok());
    REQUIRE(store->write(batch, true).ok());
    check_usable(*store, first);
  }
  SUBCASE("another root: the old latest values are cleared first") {
    Source later(1500, 3);  // fewer keys, other values
    REQUIRE(clear_latest_values(*store).ok());
    StateImporter importer(*store, later.root, 9);
    import_from(importer, later);
    storage::WriteBatch batch;
    REQUIRE(importer.finish(batch).ok());
    REQUIRE(store->write(batch, true).ok());
    check_usable(*store, later);
    // A key of the first root only has no latest value.
    CHECK(!StateTree(*store).get_latest(key_of(1999))->has_value());
  }
}

TEST_CASE("finish() re-checks what was written") {
  Source source(300);
  auto store = storage::make_memory_store();
  StateImporter importer(*store, source.root, 2);
  storage::WriteBatch early;
  CHECK(importer.finish(early).code() == Code::invalid);
  import_from(importer, source);
  // A latest value damaged on disk after its leaf was accepted.
  storage::WriteBatch damage;
  damage.put(storage::prefixed_key(to_bytes("s/v/"), key_of(5)), to_bytes("not the value"));
  REQUIRE(store->write(damage, true).ok());
  storage::WriteBatch batch;
  Status finished = importer.finish(batch);
  CHECK(finished.code() == Code::corruption);
  CHECK(batch.empty());
}
