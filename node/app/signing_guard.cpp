#include "app/signing_guard.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace govchain::app {

namespace {

namespace fs = std::filesystem;

constexpr size_t signing_state_size_bytes_max = 4096;
constexpr const char* step_names[] = {"proposal", "prevote", "precommit"};

Result<std::string> read_small_file(const fs::path& path, size_t size_bytes_max) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return error(Code::io_error, "cannot read " + path.string());
  std::string text(size_bytes_max + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(file.gcount()));
  if (text.size() > size_bytes_max)
    return error(Code::corruption, path.string() + " is larger than " + std::to_string(size_bytes_max) + " bytes");
  return text;
}

Result<SigningState> parse_signing_state(const std::string& text) {
  try {
    nlohmann::json json = nlohmann::json::parse(text);
    if (json.at("format").get<int>() != 1) return error(Code::invalid, "unknown format");
    SigningState state;
    state.chain_id = json.at("chain_id").get<std::string>();
    GOVCHAIN_ASSIGN_OR_RETURN(state.validator, PublicKey::from_hex_string(json.at("validator").get<std::string>()));
    state.last.height = json.at("height").get<uint64_t>();
    state.last.round = json.at("round").get<uint32_t>();
    std::string step = json.at("step").get<std::string>();
    for (uint8_t index = 0; index < 3; ++index)
      if (step == step_names[index]) {
        state.last.step = index;
        return state;
      }
    return error(Code::invalid, "unknown step '" + step + "'");
  } catch (const std::exception& exception) {
    return error(Code::malformed, exception.what());
  }
}

Status sync_path(const fs::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return error(Code::io_error, "cannot open " + path.string() + " to sync it");
  int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) return error(Code::io_error, "cannot sync " + path.string());
  return Status();
}

// The WAL's records as far as they can be read; a WAL that does not read
// is left to the consensus driver, which refuses it with its own message.
std::vector<consensus::WalRecord> read_wal_records(const fs::path& wal_path) {
  std::ifstream file(wal_path, std::ios::binary);
  if (!file) return {};
  std::ostringstream contents;
  contents << file.rdbuf();
  std::string text = contents.str();
  auto wal = consensus::read_wal(ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  return wal.ok() ? std::move(wal->records) : std::vector<consensus::WalRecord>{};
}

std::string refusal(const std::string& what_happened) {
  return std::string(signing_guard_refusal_prefix) + what_happened +
         ". Signing now could sign a second, different vote for a height this validator already voted on; the "
         "other validators would record that as equivocation evidence against this municipality. Find the "
         "network's height on another member's node (govchain status). Start this node once with " +
         std::string(allow_signing_flag) +
         " (it then catches up before it votes) only when no other copy of this validator runs, and either this "
         "folder kept its consensus WAL and signing state (a restore keeps them: the node replays its own votes "
         "and signs nothing different) or the network is past the last height named here (docs/operations.md, "
         "\"The double-sign guard\")";
}

}  // namespace

bool is_signing_guard_refusal(const Status& status) {
  return status.code() == Code::invalid && status.message().starts_with(signing_guard_refusal_prefix);
}

Status remove_start_markers(const fs::path& data_dir) {
  for (const char* name : {restore_marker_name, state_sync_marker_name}) {
    std::error_code error_code;
    fs::remove(data_dir / name, error_code);
    if (error_code)
      return error(Code::io_error, "cannot remove " + (data_dir / name).string() + ": " + error_code.message());
  }
  return Status();
}

std::string SignedStep::to_string() const {
  return "height " + std::to_string(height) + ", round " + std::to_string(round) + ", " +
         step_names[step < 3 ? step : 0];
}

SignedStep signed_step_of(const consensus::WalRecord& record) {
  if (record.kind == consensus::WalRecord::Kind::proposal && record.proposal)
    return {record.proposal->proposal.height, record.proposal->proposal.round, 0};
  if (record.vote) {
    const consensus::Vote& vote = record.vote->vote;
    return {vote.height, vote.round, static_cast<uint8_t>(vote.type == consensus::VoteType::prevote ? 1 : 2)};
  }
  return {record.height(), 0, 0};
}

std::optional<SignedStep> last_signed_in(const std::vector<consensus::WalRecord>& records, const PublicKey& validator) {
  std::optional<SignedStep> last;
  for (const auto& record : records) {
    const PublicKey* signer = record.proposal ? &record.proposal->proposal.proposer
                              : record.vote   ? &record.vote->vote.validator
                                              : nullptr;
    if (signer == nullptr || *signer != validator) continue;
    SignedStep step = signed_step_of(record);
    if (!last || *last < step) last = step;
  }
  return last;
}

Result<std::optional<SigningState>> read_signing_state(const fs::path& path) {
  std::error_code error_code;
  if (!fs::exists(path, error_code)) return std::optional<SigningState>();
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, read_small_file(path, signing_state_size_bytes_max));
  auto state = parse_signing_state(text);
  if (!state.ok())
    return error(Code::corruption, "the signing state file " + path.string() + " is damaged (" +
                                       state.status().message() +
                                       "); the node cannot tell what this validator signed last");
  return std::optional<SigningState>(std::move(*state));
}

Status write_signing_state(const fs::path& path, const SigningState& state) {
  nlohmann::json json = {{"format", 1},
                         {"chain_id", state.chain_id},
                         {"validator", state.validator.hex()},
                         {"height", state.last.height},
                         {"round", state.last.round},
                         {"step", step_names[state.last.step < 3 ? state.last.step : 0]}};
  std::string text = json.dump(2) + "\n";
  fs::path temporary = path;
  temporary += ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return error(Code::io_error, "cannot create " + temporary.string());
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return error(Code::io_error, "cannot write " + temporary.string());
  std::error_code error_code;
  fs::rename(temporary, path, error_code);
  if (error_code) return error(Code::io_error, "cannot replace " + path.string() + ": " + error_code.message());
  fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  return sync_path(folder, O_RDONLY | O_DIRECTORY);
}

Result<SigningGuardOutcome> check_signing_guard(const SigningGuardInput& input) {
  SigningGuardOutcome outcome;
  auto stored = read_signing_state(input.signing_state_path);
  if (!stored.ok() && !input.allow_signing_after_restore)
    return error(Code::invalid, refusal(stored.status().message()));
  bool own_state = stored.ok() && stored->has_value() && (*stored)->validator == input.validator &&
                   (*stored)->chain_id == input.chain_id;
  if (own_state) outcome.last_signed = (*stored)->last;
  if (auto in_wal = last_signed_in(read_wal_records(input.wal_path), input.validator))
    if (!outcome.last_signed || *outcome.last_signed < *in_wal) outcome.last_signed = in_wal;
  std::error_code error_code;
  const bool restored = fs::exists(input.restore_marker_path, error_code);
  const bool state_synced =
      !input.state_sync_marker_path.empty() && fs::exists(input.state_sync_marker_path, error_code);

  std::string problem;
  // A folder filled by state sync starts at the sync height with a WAL that
  // has nothing to replay for the next height: it may sign only above every
  // height it signed before.
  const uint64_t signable_from = state_synced ? input.head_height : input.head_height + 1;
  if (outcome.last_signed && outcome.last_signed->height > signable_from)
    problem = "this validator last signed at " + outcome.last_signed->to_string() +
              " (signing state and consensus WAL), but its data folder ends at height " +
              std::to_string(input.head_height) +
              (state_synced ? ", where state sync filled it: this validator may sign only above the heights it "
                              "signed before"
                            : ": the folder is older than the node's last vote (a restored backup or a copied folder)");
  else if (restored && !outcome.last_signed && input.is_validator)
    problem = "this data folder was restored from a backup (" + input.restore_marker_path.filename().string() +
              ") and holds no record of what this validator signed since";
  else if (state_synced && !outcome.last_signed && input.is_validator)
    problem = "this data folder was filled by state sync (" + input.state_sync_marker_path.filename().string() +
              ") and holds no record of what this validator signed before or above the sync height";
  if (!problem.empty()) {
    if (!input.allow_signing_after_restore) return error(Code::invalid, refusal(problem));
    outcome.overridden = true;
    outcome.warning = problem + "; starting anyway, as " + allow_signing_flag +
                      " asks (the folder stays marked until this validator signed and committed a block)";
    return outcome;
  }
  if (restored) fs::remove(input.restore_marker_path, error_code);
  if (state_synced) fs::remove(input.state_sync_marker_path, error_code);
  return outcome;
}

}  // namespace govchain::app
