// The double-sign guard: a validator that starts from a data folder older
// than its last vote (a restored backup, a folder copied from elsewhere)
// could sign a second, different vote for a height it already voted on,
// which the other validators record as equivocation evidence against its
// municipality. The guard refuses such a start unless the operator says so.
//
// What the node signed is durable in two places, each written and synced
// before the signed message is sent or the record of it is dropped:
//  - the consensus WAL (wal_file.h) holds every proposal and vote of the
//    height being decided; it is synced before each one is sent;
//  - the signing state file (this header, DATA_DIR/signing-state.json by
//    default) holds the last one of the heights before: the driver writes
//    it, synced and atomically replaced, just before it clears the WAL after
//    a commit, so it costs one write per block, not one per vote.
// The last signed step is the later of the two.
//
// At start, with the store's head at height H, the node is deciding H + 1
// and may have signed for it; a last signed height above H + 1 means the
// store is older than the node's votes. A data folder made by `govchaind
// restore` carries a marker (restore_marker_name); a validator with that
// marker and no signing state of its own key cannot know what it signed,
// and is refused the same way. A data folder filled by state sync
// (state_sync_marker_name) is treated like a wiped one: its store starts at
// the sync height, and without a signing state of its own key the node
// cannot know whether it signed above it; with one, it starts only when its
// last signed height is at or below the sync height (not one above, as for
// other folders: its WAL has no votes of the next height to replay), so it
// signs only above both.
//
// When the operator's flag lets such a start through, the markers stay in
// the folder until the node has written a signing state of its own (after
// its first commit with a vote of its own, that is once it caught up and
// took part): a node that stops before that is refused again on its next
// start instead of starting silently without the flag.
//
// A refusal's message starts with signing_guard_refusal_prefix, and
// govchaind exits with signing_guard_exit_code on it, so that a service
// manager does not restart a node that would only be refused again
// (RestartPreventExitStatus= in packaging/govchaind.service).
//
// Thread-safety: plain functions over files; the caller serialises.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/wal.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::app {

// The name of the file `govchaind restore` leaves in a data folder.
inline constexpr const char* restore_marker_name = "restored-from-backup.json";
inline constexpr const char* signing_state_name = "signing-state.json";
// The name of the file state sync leaves in the data folder it filled.
inline constexpr const char* state_sync_marker_name = "state-synced.json";
// The exit code of govchaind when the guard refuses to start (EX_CONFIG of
// sysexits.h: the folder is in a state the operator must look at).
inline constexpr int signing_guard_exit_code = 78;
inline constexpr std::string_view signing_guard_refusal_prefix = "double-sign guard: ";
// Whether `status` is a refusal of check_signing_guard.
bool is_signing_guard_refusal(const Status& status);
// The command-line flag that lets a validator start anyway.
inline constexpr const char* allow_signing_flag = "--allow-signing-after-restore";

// One signed step of this validator, ordered by height, round, then step
// (proposal, prevote, precommit).
struct SignedStep {
  uint64_t height = 0;
  uint32_t round = 0;
  uint8_t step = 0;  // 0 proposal, 1 prevote, 2 precommit
  auto operator<=>(const SignedStep&) const = default;
  std::string to_string() const;
};

struct SigningState {
  std::string chain_id;
  PublicKey validator;
  SignedStep last;
};

// The step a WAL record signs.
SignedStep signed_step_of(const consensus::WalRecord& record);
// The latest step among `records` signed by `validator`; nullopt if none.
std::optional<SignedStep> last_signed_in(const std::vector<consensus::WalRecord>& records, const PublicKey& validator);

// Reads the signing state file; nullopt when it does not exist. A file that
// does not parse (at most 4 KiB of JSON) is Code::corruption naming it.
Result<std::optional<SigningState>> read_signing_state(const std::filesystem::path& path);
// Replaces the file atomically (temporary file, fsync, rename, fsync of the
// folder), mode 0600.
Status write_signing_state(const std::filesystem::path& path, const SigningState& state);

struct SigningGuardInput {
  std::filesystem::path signing_state_path;
  std::filesystem::path wal_path;
  std::filesystem::path restore_marker_path;
  std::filesystem::path state_sync_marker_path;
  std::string chain_id;
  PublicKey validator;
  bool is_validator = false;  // the key is in the validator set at the head
  uint64_t head_height = 0;   // the store's latest block
  bool allow_signing_after_restore = false;
};

struct SigningGuardOutcome {
  std::optional<SignedStep> last_signed;  // what the files say, if anything
  bool overridden = false;                // the flag let a refused start through
  std::string warning;                    // for the log when overridden
};

// Removes the restore and state sync markers of `data_dir`. The consensus
// driver calls it once it wrote a signing state of its own key.
Status remove_start_markers(const std::filesystem::path& data_dir);

// Decides whether this node may start signing; Code::invalid with the whole
// story (what was found, why it is refused, what the flag risks) otherwise.
// Removes the restore and state sync markers once the start is allowed
// without the flag; with the flag they stay (see above).
Result<SigningGuardOutcome> check_signing_guard(const SigningGuardInput& input);

}  // namespace govchain::app
