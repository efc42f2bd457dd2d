#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "gated_store.h"
#include "storage/fault_injecting_store.h"
#include "storage/format.h"
#include "storage/leveldb_store.h"
#include "storage/pipelined_store.h"
#include "storage/store.h"

using namespace govchain;
using namespace govchain::storage;

namespace {

// A fresh directory under the system temp dir, removed on destruction.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("govchain-storage-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

std::optional<Bytes> read(const KeyValueStore& store, std::string_view key) {
  auto value = store.get(to_bytes(key));
  REQUIRE(value.ok());
  return *value;
}

std::vector<std::string> scan_keys(const KeyValueStore& store, std::string_view prefix, std::string_view start,
                                   size_t entries_max) {
  auto entries = store.scan(to_bytes(prefix), to_bytes(start), entries_max);
  REQUIRE(entries.ok());
  std::vector<std::string> keys;
  for (const KeyValue& entry : *entries) keys.push_back(to_string(entry.key));
  return keys;
}

// The behaviour every backend must share.
void check_store_contract(KeyValueStore& store) {
  CHECK(!read(store, "missing").has_value());

  WriteBatch batch;
  batch.put(to_bytes("a/1"), to_bytes("one"));
  batch.put(to_bytes("a/2"), to_bytes("two"));
  batch.put(to_bytes("a/3"), to_bytes("three"));
  batch.put(to_bytes("b/1"), to_bytes("other"));
  batch.put(to_bytes("a"), to_bytes("just the prefix"));
  batch.put(to_bytes("gone"), to_bytes("soon"));
  batch.erase(to_bytes("gone"));
  batch.put(to_bytes("twice"), to_bytes("first"));
  batch.put(to_bytes("twice"), to_bytes("second"));
  CHECK(batch.operation_count() == 9);
  REQUIRE(store.write(batch, true).ok());

  CHECK(read(store, "a/2") == to_bytes("two"));
  CHECK(!read(store, "gone").has_value());
  CHECK(read(store, "twice") == to_bytes("second"));
  CHECK(read(store, "a") == to_bytes("just the prefix"));

  CHECK(scan_keys(store, "a/", "", 10) == std::vector<std::string>{"a/1", "a/2", "a/3"});
  CHECK(scan_keys(store, "a/", "", 2) == std::vector<std::string>{"a/1", "a/2"});
  CHECK(scan_keys(store, "a/", std::string("a/2") + '\0', 10) == std::vector<std::string>{"a/3"});
  CHECK(scan_keys(store, "a/", "0", 10) == std::vector<std::string>{"a/1", "a/2", "a/3"});  // start before prefix
  CHECK(scan_keys(store, "c/", "", 10).empty());
  CHECK(scan_keys(store, "", "", 100).size() == 6);
  CHECK(store.scan(to_bytes("a/"), {}, 0).status().code() == Code::invalid_argument);

  WriteBatch erase_batch;
  erase_batch.erase(to_bytes("a/1"));
  erase_batch.erase(to_bytes("never-there"));
  REQUIRE(store.write(erase_batch, false).ok());
  CHECK(!read(store, "a/1").has_value());
  CHECK(scan_keys(store, "a/", "", 10) == std::vector<std::string>{"a/2", "a/3"});

  Bytes binary_key{0x00, 0xFF, 0x80};
  WriteBatch binary_batch;
  binary_batch.put(binary_key, Bytes{});
  REQUIRE(store.write(binary_batch, false).ok());
  auto binary_value = store.get(binary_key);
  REQUIRE(binary_value.ok());
  CHECK(*binary_value == std::optional<Bytes>(Bytes{}));

  REQUIRE(store.close().ok());
  CHECK(store.get(to_bytes("a/2")).status().code() == Code::unavailable);
  CHECK(store.write(batch, false).code() == Code::unavailable);
  CHECK(store.close().ok());
}

}  // namespace

TEST_CASE("write batch keeps operations in order") {
  WriteBatch batch;
  batch.put(to_bytes("k"), to_bytes("v"));
  batch.erase(to_bytes("x"));
  WriteBatch other;
  other.put(to_bytes("z"), to_bytes(""));
  batch.append(other);
  REQUIRE(batch.operation_count() == 3);
  CHECK(to_string(batch.operation(0).key) == "k");
  CHECK(to_string(*batch.operation(0).value) == "v");
  CHECK(!batch.operation(1).value.has_value());
  CHECK(batch.operation(2).value->empty());
  CHECK(batch.size_bytes() == 4);
  batch.reserve(100, 1000);
  batch.truncate(1);
  REQUIRE(batch.operation_count() == 1);
  CHECK(batch.size_bytes() == 2);
  batch.put(to_bytes("n"), to_bytes("w"));
  CHECK(to_string(batch.operation(1).key) == "n");
  batch.truncate(5);
  CHECK(batch.operation_count() == 2);
  batch.clear();
  CHECK(batch.empty());
}

TEST_CASE("bytes order is unsigned and prefix-first") {
  BytesLess less;
  CHECK(less(Bytes{0x01}, Bytes{0xFF}));
  CHECK(less(Bytes{0x01}, Bytes{0x01, 0x00}));
  CHECK(!less(Bytes{0x01}, Bytes{0x01}));
  CHECK(less(Bytes{}, Bytes{0x00}));
}

TEST_CASE("memory store fulfils the store contract") {
  auto store = make_memory_store();
  check_store_contract(*store);
}

TEST_CASE("fault-injecting store fulfils the store contract") {
  FaultInjectingStore store;
  check_store_contract(store);
}

TEST_CASE("leveldb store fulfils the store contract") {
  TemporaryDirectory directory;
  auto store = open_leveldb_store(directory.path());
  REQUIRE(store.ok());
  check_store_contract(**store);
}

TEST_CASE("leveldb store persists across reopen") {
  TemporaryDirectory directory;
  {
    auto store = open_leveldb_store(directory.path());
    REQUIRE(store.ok());
    WriteBatch batch;
    batch.put(to_bytes("height"), to_bytes("42"));
    REQUIRE((*store)->write(batch, true).ok());
  }
  auto reopened = open_leveldb_store(directory.path(), LevelDbOptions{.create_if_missing = false});
  REQUIRE(reopened.ok());
  CHECK(read(**reopened, "height") == to_bytes("42"));
}

TEST_CASE("leveldb store says when another process holds the directory") {
  TemporaryDirectory directory;
  auto first = open_leveldb_store(directory.path());
  REQUIRE(first.ok());
  auto second = open_leveldb_store(directory.path());
  REQUIRE(!second.ok());
  CHECK(second.status().code() == Code::unavailable);
  CHECK(second.status().message().find("is another govchaind using this data directory?") != std::string::npos);
  REQUIRE((*first)->close().ok());
  auto after_close = open_leveldb_store(directory.path());
  CHECK(after_close.ok());
}

TEST_CASE("leveldb store explains a missing directory") {
  TemporaryDirectory directory;
  auto no_parent = open_leveldb_store(directory.path() + "/missing/child");
  REQUIRE(!no_parent.ok());
  CHECK(no_parent.status().code() == Code::not_found);
  CHECK(no_parent.status().message().find("parent directory") != std::string::npos);

  auto not_created = open_leveldb_store(directory.path(), LevelDbOptions{.create_if_missing = false});
  REQUIRE(!not_created.ok());
  CHECK(not_created.status().code() == Code::not_found);

  std::filesystem::create_directories(directory.path());
  auto empty_directory = open_leveldb_store(directory.path(), LevelDbOptions{.create_if_missing = false});
  REQUIRE(!empty_directory.ok());
  CHECK(empty_directory.status().code() == Code::not_found);
}

TEST_CASE("leveldb store reports corruption") {
  TemporaryDirectory directory;
  {
    auto store = open_leveldb_store(directory.path());
    REQUIRE(store.ok());
  }
  std::ofstream(directory.path() + "/CURRENT", std::ios::trunc) << "garbage-without-newline";
  auto corrupted = open_leveldb_store(directory.path());
  REQUIRE(!corrupted.ok());
  CHECK(corrupted.status().code() == Code::corruption);
  MESSAGE(corrupted.status().to_string());
}

TEST_CASE("fault-injecting store drops unsynced writes on a simulated crash") {
  FaultInjectingStore store;
  WriteBatch first;
  first.put(to_bytes("synced"), to_bytes("1"));
  REQUIRE(store.write(first, true).ok());
  WriteBatch second;
  second.put(to_bytes("unsynced"), to_bytes("2"));
  second.erase(to_bytes("synced"));
  REQUIRE(store.write(second, false).ok());
  CHECK(!read(store, "synced").has_value());
  store.drop_unsynced_writes();
  CHECK(read(store, "synced") == to_bytes("1"));
  CHECK(!read(store, "unsynced").has_value());

  // A synced write makes earlier unsynced writes durable too.
  REQUIRE(store.write(second, false).ok());
  REQUIRE(store.write(WriteBatch(), true).ok());
  store.drop_unsynced_writes();
  CHECK(read(store, "unsynced") == to_bytes("2"));
}

TEST_CASE("a failed write applies nothing of its batch") {
  FaultInjectingStore store;
  store.fail_writes_after(1);
  WriteBatch ok_batch;
  ok_batch.put(to_bytes("a"), to_bytes("1"));
  REQUIRE(store.write(ok_batch, true).ok());
  WriteBatch failing;
  failing.put(to_bytes("b"), to_bytes("2"));
  failing.put(to_bytes("c"), to_bytes("3"));
  Status status = store.write(failing, true);
  CHECK(status.code() == Code::io_error);
  CHECK(!read(store, "b").has_value());
  CHECK(!read(store, "c").has_value());
  store.heal();
  CHECK(store.write(failing, true).ok());
  CHECK(read(store, "c") == to_bytes("3"));
  CHECK(store.write_count() == 2);
}

// ---- snapshots and the storage format marker ---------------------------------

namespace {

void check_snapshot_is_frozen(KeyValueStore& store) {
  WriteBatch before;
  before.put(to_bytes("k/1"), to_bytes("one"));
  before.put(to_bytes("k/2"), to_bytes("two"));
  REQUIRE(store.write(before, true).ok());
  auto snapshot = store.snapshot();
  REQUIRE(snapshot.ok());
  WriteBatch after;
  after.put(to_bytes("k/1"), to_bytes("changed"));
  after.erase(to_bytes("k/2"));
  after.put(to_bytes("k/3"), to_bytes("three"));
  REQUIRE(store.write(after, true).ok());
  auto seen = (*snapshot)->scan(to_bytes("k/"), {}, 10);
  REQUIRE(seen.ok());
  REQUIRE(seen->size() == 2);
  CHECK((*seen)[0].value == to_bytes("one"));
  CHECK((*seen)[1].key == to_bytes("k/2"));
  CHECK(scan_keys(store, "k/", "", 10) == std::vector<std::string>{"k/1", "k/3"});
}

}  // namespace

TEST_CASE("a snapshot sees the store as it was, not later writes") {
  SUBCASE("memory") {
    auto store = make_memory_store();
    check_snapshot_is_frozen(*store);
  }
  SUBCASE("fault injecting") {
    FaultInjectingStore store;
    check_snapshot_is_frozen(store);
  }
  SUBCASE("leveldb") {
    TemporaryDirectory directory;
    auto store = open_leveldb_store(directory.path());
    REQUIRE(store.ok());
    check_snapshot_is_frozen(**store);
  }
}

TEST_CASE("the storage format marker is written once and a newer one is refused") {
  auto store = make_memory_store();
  auto missing = read_storage_format(*store);
  REQUIRE(missing.ok());
  CHECK(!missing->has_value());
  REQUIRE(check_storage_format(*store, 1, "/data").ok());
  auto written = read_storage_format(*store);
  REQUIRE(written.ok());
  CHECK(*written == std::optional<uint32_t>(1));
  REQUIRE(check_storage_format(*store, 1, "/data").ok());

  REQUIRE(write_storage_format(*store, 2).ok());
  Status newer = check_storage_format(*store, 1, "/data");
  CHECK(newer.code() == Code::invalid);
  CHECK(newer.message().find("storage format 2") != std::string::npos);
  CHECK(newer.message().find("/data") != std::string::npos);
  // Refusing leaves the marker as it was.
  CHECK(*read_storage_format(*store) == std::optional<uint32_t>(2));

  WriteBatch damaged;
  damaged.put(to_bytes(storage_format_key), to_bytes("x"));
  REQUIRE(store->write(damaged, true).ok());
  CHECK(check_storage_format(*store, 1, "/data").code() == Code::corruption);
}

namespace {

WriteBatch one_put(std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.put(to_bytes(key), to_bytes(value));
  return batch;
}

}  // namespace

TEST_CASE("pipelined store fulfils the store contract") {
  auto durable = make_memory_store();
  PipelinedStore store(*durable, 2);
  check_store_contract(store);
}

TEST_CASE("a pipelined store serves a batch at once and writes it in the background, in order") {
  FaultInjectingStore disk;
  testing::GatedStore gate(disk);
  PipelinedStore store(gate, 2);
  gate.shut();
  std::vector<std::string> written;
  std::mutex written_mutex;
  auto record = [&](std::string name) {
    return [&, name](const Status& status) {
      REQUIRE(status.ok());
      std::lock_guard lock(written_mutex);
      written.push_back(name);
    };
  };
  WriteBatch first = one_put("a", "1");
  first.put(to_bytes("b"), to_bytes("1"));
  REQUIRE(store.write_in_background(std::move(first), record("first")).ok());
  WriteBatch second = one_put("a", "2");
  second.erase(to_bytes("b"));
  REQUIRE(store.write_in_background(std::move(second), record("second")).ok());
  gate.wait_for_writes_started(1);
  // Readable at once, the newest batch first; nothing on the disk yet.
  CHECK(read(store, "a") == std::optional<Bytes>(to_bytes("2")));
  CHECK(!read(store, "b").has_value());
  CHECK(!read(disk, "a").has_value());
  CHECK(store.pending_count() == 2);
  gate.open();
  REQUIRE(store.drain().ok());
  CHECK(written == std::vector<std::string>{"first", "second"});
  CHECK(read(disk, "a") == std::optional<Bytes>(to_bytes("2")));
  CHECK(!read(disk, "b").has_value());
  CHECK(store.pending_count() == 0);
  // Every write was synced: a power loss now loses nothing.
  disk.drop_unsynced_writes();
  CHECK(read(disk, "a") == std::optional<Bytes>(to_bytes("2")));
}

TEST_CASE("a pipelined store holds a bounded number of batches and makes the producer wait beyond it") {
  auto durable = make_memory_store();
  testing::GatedStore gate(*durable);
  PipelinedStore store(gate, 1);
  gate.shut();
  REQUIRE(store.write_in_background(one_put("a", "1"), {}).ok());
  gate.wait_for_writes_started(1);
  std::atomic<bool> second_queued{false};
  std::thread producer([&] {
    REQUIRE(store.write_in_background(one_put("a", "2"), {}).ok());
    second_queued = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(!second_queued.load());
  CHECK(store.pending_count() == 1);
  gate.open();
  producer.join();
  CHECK(second_queued.load());
  REQUIRE(store.drain().ok());
  CHECK(read(*durable, "a") == std::optional<Bytes>(to_bytes("2")));
}

TEST_CASE("after a failed background write a pipelined store writes nothing more and says why") {
  FaultInjectingStore disk;
  testing::GatedStore gate(disk);
  PipelinedStore store(gate, 3);
  REQUIRE(store.write(one_put("a", "1"), true).ok());
  gate.shut();
  std::vector<Status> outcomes(2);
  REQUIRE(store.write_in_background(one_put("a", "2"), [&](const Status& status) { outcomes[0] = status; }).ok());
  REQUIRE(store.write_in_background(one_put("a", "3"), [&](const Status& status) { outcomes[1] = status; }).ok());
  gate.wait_for_writes_started(2);
  gate.power_loss();
  Status drained = store.drain();
  CHECK(drained.code() == Code::io_error);
  CHECK(outcomes[0].code() == Code::io_error);
  // The batch after the failed one was never tried: it was built on it.
  CHECK(outcomes[1].code() == Code::io_error);
  CHECK(outcomes[1].message().find("earlier background write failed") != std::string::npos);
  CHECK(store.write_in_background(one_put("a", "4"), {}).code() == Code::io_error);
  CHECK(store.write(one_put("a", "5"), true).code() == Code::io_error);
  // The disk holds the prefix that was written, and the store reads it.
  CHECK(read(disk, "a") == std::optional<Bytes>(to_bytes("1")));
  CHECK(read(store, "a") == std::optional<Bytes>(to_bytes("1")));
}

TEST_CASE("scans and snapshots of a pipelined store wait for its pending batches") {
  auto durable = make_memory_store();
  PipelinedStore store(*durable, 2);
  REQUIRE(store.write_in_background(one_put("k/1", "x"), {}).ok());
  REQUIRE(store.write_in_background(one_put("k/2", "y"), {}).ok());
  auto scanned = store.scan(to_bytes("k/"), {}, 10);
  REQUIRE(scanned.ok());
  CHECK(scanned->size() == 2);
  auto snapshot = store.snapshot();
  REQUIRE(snapshot.ok());
  auto in_snapshot = (*snapshot)->scan(to_bytes("k/"), {}, 10);
  REQUIRE(in_snapshot.ok());
  CHECK(in_snapshot->size() == 2);
  snapshot->reset();
  REQUIRE(store.close().ok());
  CHECK(store.get(to_bytes("k/1")).status().code() == Code::unavailable);
  CHECK(store.write_in_background(one_put("k/3", "z"), {}).code() == Code::unavailable);
}
