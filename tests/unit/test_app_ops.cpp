// The operator's safety nets in node/app: the double-sign guard
// (signing_guard.h) and the online backup stream (backup.h).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/backup.h"
#include "app/signing_guard.h"
#include "consensus/wal.h"
#include "crypto/schnorr.h"

using namespace govchain;
using namespace govchain::app;
namespace fs = std::filesystem;

namespace {

class TemporaryFolder {
 public:
  TemporaryFolder() {
    std::string pattern = (fs::temp_directory_path() / "govchain-app-ops.XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

PublicKey key_of(uint8_t seed) {
  crypto::SecretKey secret;
  secret.data.fill(seed);
  return crypto::key_pair_from_secret(secret)->public_key;
}

SigningGuardInput guard_input(const TemporaryFolder& folder, const PublicKey& key, uint64_t head_height) {
  return SigningGuardInput{folder.path() / signing_state_name,
                           folder.path() / "consensus.wal",
                           folder.path() / restore_marker_name,
                           folder.path() / state_sync_marker_name,
                           "chain-a",
                           key,
                           true,
                           head_height,
                           false};
}

void write_wal_vote(const fs::path& path, const PublicKey& key, uint64_t height, uint32_t round) {
  consensus::SignedVote vote;
  vote.vote.type = consensus::VoteType::prevote;
  vote.vote.height = height;
  vote.vote.round = round;
  vote.vote.validator = key;
  Bytes frame = consensus::encode_wal_frame(consensus::wal_record_for_vote(vote));
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
}

}  // namespace

TEST_CASE("signing state: written atomically, read back, damage reported") {
  TemporaryFolder folder;
  const fs::path path = folder.path() / signing_state_name;
  auto missing = read_signing_state(path);
  REQUIRE(missing.ok());
  CHECK(!missing->has_value());
  SigningState state{"chain-a", key_of(1), {42, 3, 2}};
  REQUIRE(write_signing_state(path, state).ok());
  CHECK((fs::status(path).permissions() & fs::perms::others_read) == fs::perms::none);
  auto read = read_signing_state(path);
  REQUIRE(read.ok());
  REQUIRE(read->has_value());
  CHECK((*read)->last == SignedStep{42, 3, 2});
  CHECK((*read)->validator == key_of(1));
  CHECK(!fs::exists(folder.path() / "signing-state.json.tmp"));

  std::ofstream(path) << "{\"format\": 1, \"height\": ";
  CHECK(read_signing_state(path).status().code() == Code::corruption);
  std::ofstream(path) << std::string(10000, ' ');
  CHECK(read_signing_state(path).status().code() == Code::corruption);
}

TEST_CASE("signed steps order by height, round, then proposal < prevote < precommit") {
  CHECK(SignedStep{5, 0, 2} < SignedStep{6, 0, 0});
  CHECK(SignedStep{5, 1, 0} > SignedStep{5, 0, 2});
  CHECK(SignedStep{5, 1, 1} < SignedStep{5, 1, 2});
}

TEST_CASE("the double-sign guard refuses a store older than the last vote") {
  TemporaryFolder folder;
  const PublicKey key = key_of(1);
  REQUIRE(write_signing_state(folder.path() / signing_state_name, SigningState{"chain-a", key, {100, 0, 2}}).ok());

  SUBCASE("deciding the next height after the last vote is fine") {
    auto outcome = check_signing_guard(guard_input(folder, key, 99));
    REQUIRE(outcome.ok());
    CHECK(!outcome->overridden);
    CHECK(outcome->last_signed == SignedStep{100, 0, 2});
  }
  SUBCASE("a store that ends far below is refused, with the flag named") {
    auto refused = check_signing_guard(guard_input(folder, key, 40));
    CHECK(refused.status().code() == Code::invalid);
    CHECK(refused.status().message().find("height 100") != std::string::npos);
    CHECK(refused.status().message().find(allow_signing_flag) != std::string::npos);
    SigningGuardInput allowed = guard_input(folder, key, 40);
    allowed.allow_signing_after_restore = true;
    auto outcome = check_signing_guard(allowed);
    REQUIRE(outcome.ok());
    CHECK(outcome->overridden);
  }
  SUBCASE("another validator's or chain's file says nothing about this key") {
    CHECK(check_signing_guard(guard_input(folder, key_of(2), 40)).ok());
    SigningGuardInput other_chain = guard_input(folder, key, 40);
    other_chain.chain_id = "chain-b";
    CHECK(check_signing_guard(other_chain).ok());
  }
  SUBCASE("a vote in the WAL beyond the signing state counts too") {
    write_wal_vote(folder.path() / "consensus.wal", key, 150, 1);
    auto refused = check_signing_guard(guard_input(folder, key, 120));
    CHECK(refused.status().code() == Code::invalid);
    CHECK(refused.status().message().find("height 150, round 1, prevote") != std::string::npos);
    CHECK(check_signing_guard(guard_input(folder, key, 149)).ok());
  }
  SUBCASE("a damaged signing state is refused unless the flag is given") {
    std::ofstream(folder.path() / signing_state_name) << "not json";
    CHECK(check_signing_guard(guard_input(folder, key, 200)).status().code() == Code::invalid);
    SigningGuardInput allowed = guard_input(folder, key, 200);
    allowed.allow_signing_after_restore = true;
    CHECK(check_signing_guard(allowed).ok());
  }
}

TEST_CASE("the double-sign guard refuses a restored validator that lost its signing state") {
  TemporaryFolder folder;
  const PublicKey key = key_of(1);
  std::ofstream(folder.path() / restore_marker_name) << "{}";
  auto refused = check_signing_guard(guard_input(folder, key, 10));
  CHECK(refused.status().code() == Code::invalid);
  CHECK(refused.status().message().find("restored from a backup") != std::string::npos);
  CHECK(fs::exists(folder.path() / restore_marker_name));

  SigningGuardInput observer = guard_input(folder, key, 10);
  observer.is_validator = false;
  CHECK(check_signing_guard(observer).ok());
  CHECK(!fs::exists(folder.path() / restore_marker_name));  // an allowed start removes the marker
}

TEST_CASE("a restored validator whose signing state is not ahead starts, and the marker goes") {
  TemporaryFolder folder;
  const PublicKey key = key_of(1);
  std::ofstream(folder.path() / restore_marker_name) << "{}";
  REQUIRE(write_signing_state(folder.path() / signing_state_name, SigningState{"chain-a", key, {11, 0, 2}}).ok());
  CHECK(check_signing_guard(guard_input(folder, key, 10)).ok());
  CHECK(!fs::exists(folder.path() / restore_marker_name));
}

TEST_CASE("a restored validator let through by the flag stays marked until it signed") {
  TemporaryFolder folder;
  const PublicKey key = key_of(1);
  std::ofstream(folder.path() / restore_marker_name) << "{}";
  SigningGuardInput allowed = guard_input(folder, key, 10);
  allowed.allow_signing_after_restore = true;
  auto outcome = check_signing_guard(allowed);
  REQUIRE(outcome.ok());
  CHECK(outcome->overridden);
  // It stopped before it caught up and signed: the next start without the
  // flag is refused again.
  CHECK(fs::exists(folder.path() / restore_marker_name));
  auto again = check_signing_guard(guard_input(folder, key, 30));
  CHECK(is_signing_guard_refusal(again.status()));
  // Once the driver wrote a signing state of its own it removes the marker.
  REQUIRE(write_signing_state(folder.path() / signing_state_name, SigningState{"chain-a", key, {31, 0, 2}}).ok());
  REQUIRE(remove_start_markers(folder.path()).ok());
  CHECK(check_signing_guard(guard_input(folder, key, 30)).ok());
}

TEST_CASE("a state-synced validator is treated like a wiped folder") {
  TemporaryFolder folder;
  const PublicKey key = key_of(1);
  std::ofstream(folder.path() / state_sync_marker_name) << "{\"height\": 500}";
  auto refused = check_signing_guard(guard_input(folder, key, 500));
  CHECK(is_signing_guard_refusal(refused.status()));
  CHECK(refused.status().message().find("state sync") != std::string::npos);
  CHECK(!is_signing_guard_refusal(error(Code::invalid, "some other rule")));
  // Its own signing state above the sync height still refuses it.
  REQUIRE(write_signing_state(folder.path() / signing_state_name, SigningState{"chain-a", key, {700, 0, 2}}).ok());
  CHECK(is_signing_guard_refusal(check_signing_guard(guard_input(folder, key, 500)).status()));
  // One above the sync height is refused too (it would decide a height it
  // signed at, with nothing in its WAL to replay).
  REQUIRE(write_signing_state(folder.path() / signing_state_name, SigningState{"chain-a", key, {501, 0, 2}}).ok());
  CHECK(is_signing_guard_refusal(check_signing_guard(guard_input(folder, key, 500)).status()));
  // At or below the sync height it may go on; the marker is removed.
  REQUIRE(write_signing_state(folder.path() / signing_state_name, SigningState{"chain-a", key, {480, 0, 2}}).ok());
  CHECK(check_signing_guard(guard_input(folder, key, 500)).ok());
  CHECK(!fs::exists(folder.path() / state_sync_marker_name));
}

TEST_CASE("backup stream: the node's snapshot arrives whole, with a manifest and without later writes") {
  TemporaryFolder folder;
  auto store = storage::make_memory_store();
  storage::WriteBatch batch;
  for (int index = 0; index < 3000; ++index)
    batch.put(to_bytes("key/" + std::to_string(index)), Bytes(static_cast<size_t>(index % 300), uint8_t(index)));
  REQUIRE(store->write(batch, true).ok());
  std::ofstream(folder.path() / "genesis.json") << "{}";

  BackupHead head{"chain-a", Hash{}, 7, Hash{}, Hash{}, 1};
  auto server = BackupServer::start(folder.path() / "admin.sock", [&]() -> Result<BackupServer::View> {
    GOVCHAIN_ASSIGN_OR_RETURN(auto snapshot, store->snapshot());
    // Written after the snapshot: must not be in the backup.
    storage::WriteBatch later;
    later.put(to_bytes("key/later"), to_bytes("x"));
    GOVCHAIN_TRY(store->write(later, true));
    return BackupServer::View{std::move(snapshot), head};
  });
  REQUIRE(server.ok());
  CHECK((fs::status(folder.path() / "admin.sock").permissions() & fs::perms::group_all) == fs::perms::none);
  std::vector<std::string> progress;
  auto report = write_backup(folder.path() / "admin.sock", folder.path() / "backup", folder.path() / "genesis.json",
                             [&](const std::string& line) { progress.push_back(line); });
  REQUIRE(report.ok());
  CHECK(report->entries == 3000);
  CHECK(report->head.height == 7);
  CHECK(!progress.empty());
  auto manifest = nlohmann::json::parse(std::ifstream(folder.path() / "backup" / "manifest.json"));
  CHECK(manifest["entries"] == 3000);
  CHECK(manifest["includes_private_keys"] == false);
  CHECK(manifest["head"]["chain_id"] == "chain-a");
  CHECK(fs::file_size(folder.path() / "backup" / "store.kv") == manifest["size_bytes"].get<uint64_t>());
  CHECK(!fs::exists(folder.path() / "backup.partial"));

  // A second backup into an existing folder is refused before asking the node.
  CHECK(write_backup(folder.path() / "admin.sock", folder.path() / "backup", folder.path() / "genesis.json", {})
            .status()
            .code() == Code::already_exists);
  (*server)->stop();
  CHECK(!fs::exists(folder.path() / "admin.sock"));
  CHECK(write_backup(folder.path() / "admin.sock", folder.path() / "other", folder.path() / "genesis.json", {})
            .status()
            .code() == Code::unavailable);
}

TEST_CASE("restore refuses what is not a backup before touching the data folder") {
  TemporaryFolder folder;
  fs::create_directories(folder.path() / "not-a-backup");
  auto missing = restore_backup(folder.path() / "not-a-backup", {folder.path() / "data", folder.path() / "g.json"}, {});
  CHECK(missing.status().code() == Code::not_found);
  std::ofstream(folder.path() / "not-a-backup" / "manifest.json") << "{\"format\": \"something-else\"}";
  auto wrong = restore_backup(folder.path() / "not-a-backup", {folder.path() / "data", folder.path() / "g.json"}, {});
  CHECK(wrong.status().code() == Code::corruption);
  CHECK(!fs::exists(folder.path() / "data"));
}
