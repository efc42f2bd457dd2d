#include "app/dev_setup.h"

#include "core/clock.h"
#include "setup/genesis_builder.h"
#include "setup/setup_files.h"

namespace govchain::app {

namespace fs = std::filesystem;

Result<std::string> read_text_file(const fs::path& path, size_t size_bytes_max) {
  return setup::read_text_file(path, size_bytes_max);
}

Status write_text_file(const fs::path& path, std::string_view text) { return setup::write_text_file(path, text); }

// The genesis building is shared with `govchain network` (node/setup); the
// dev chain is the network of one member, "dev-city", with its keys in
// DATA/keys/.
Status ensure_dev_data_dir(const fs::path& data_dir, const fs::path& contracts_dir, uint64_t block_interval_ms) {
  if (fs::exists(data_dir / "genesis.json")) return Status();
  const int64_t genesis_time_ms = system_clock().wall_ms();
  GOVCHAIN_ASSIGN_OR_RETURN(setup::MemberKeys member,
                            setup::write_member_dev_keys(data_dir / "keys", dev_municipality, "Dev City", ""));
  GOVCHAIN_ASSIGN_OR_RETURN(auto contracts, setup::read_genesis_contracts(contracts_dir));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Genesis genesis,
                            setup::build_genesis(dev_chain_id, genesis_time_ms, {member}, std::move(contracts)));
  genesis.parameters.block_interval_ms = block_interval_ms;
  return write_text_file(data_dir / "genesis.json", chain::genesis_to_json(genesis));
}

}  // namespace govchain::app
