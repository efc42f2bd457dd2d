// govchain role grant --account PUBKEY --role ROLE [--municipality ID]
// govchain role revoke --account PUBKEY --role ROLE [--municipality ID]
// govchain roles PUBKEY
//
// The municipality of a grant or revoke defaults to the one the signing key
// is the admin of. The node's API has no list of municipalities, so the
// candidates come from the genesis file (--genesis, GOVCHAIN_GENESIS, or a
// genesis.json one folder above the key file, as in a dev data directory)
// and from the key's own roles; each candidate is then checked with a proven
// state read of "g/m/<id>", so a stale or foreign genesis file cannot mislead.
#include <filesystem>
#include <sstream>

#include "chain/genesis.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

struct RoleChange {
  std::string account;
  std::string role;
  std::string municipality;
  bool skip_checks = false;
};

std::vector<std::string> genesis_candidates(const Context& context, const PublicKey& admin) {
  std::vector<std::string> paths;
  if (!context.options.genesis_path.empty()) paths.push_back(context.options.genesis_path);
  std::error_code ignored;
  auto beside_key =
      std::filesystem::absolute(context.options.key_path, ignored).parent_path().parent_path() / "genesis.json";
  if (std::filesystem::exists(beside_key, ignored)) paths.push_back(beside_key.string());
  std::vector<std::string> ids;
  for (const auto& path : paths) {
    auto text = client::read_small_file(path, 64 * 1024 * 1024);
    if (!text.ok()) continue;
    auto genesis = chain::parse_genesis(*text);
    if (!genesis.ok()) continue;
    for (const auto& municipality : genesis->municipalities)
      if (municipality.admin == admin) ids.push_back(municipality.id);
  }
  return ids;
}

// The municipality to act in: the given one, or the single one the key is
// proven to be the admin of.
Result<std::string> resolve_municipality(const Context& context, const client::Client& node,
                                         const client::TrustOptions& trust, const PublicKey& admin,
                                         const std::string& given) {
  if (!given.empty()) return given;
  std::vector<std::string> candidates = genesis_candidates(context, admin);
  auto own_roles = node.roles(admin, trust);
  if (own_roles.ok())
    for (const auto& entry : own_roles->roles) candidates.push_back(entry.municipality);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<std::string> administered;
  for (const auto& id : candidates) {
    auto found = node.municipality(id, trust);
    if (!found.ok()) return found.status().with_context("municipality " + id);
    if (found->municipality && found->municipality->admin == admin) administered.push_back(id);
  }
  if (administered.size() == 1) return administered.front();
  if (administered.empty() && !candidates.empty()) {
    std::string checked;
    for (const auto& id : candidates) checked += (checked.empty() ? "" : ", ") + id;
    return error(Code::unauthorized, "key " + admin.hex() + " is not the admin of any municipality it could find (" +
                                         checked + "); sign with the admin's key, or pass --municipality ID");
  }
  if (administered.empty())
    return error(Code::invalid_argument, "could not find a municipality whose admin is " + admin.hex() +
                                             "; pass --municipality ID (or --genesis FILE to look it up)");
  std::string list;
  for (const auto& id : administered) list += (list.empty() ? "" : ", ") + id;
  return error(Code::invalid_argument,
               "the key is the admin of several municipalities (" + list + "); choose one with --municipality ID");
}

// Refuses early, with a clear reason, what the chain would refuse anyway.
Status check_admin(const client::Client& node, const client::TrustOptions& trust, const std::string& municipality,
                   const PublicKey& admin) {
  auto found = node.municipality(municipality, trust);
  if (!found.ok()) return found.status().with_context("reading municipality " + municipality);
  if (!found->municipality)
    return error(Code::not_found, "municipality '" + municipality + "' does not exist on this chain");
  if (found->municipality->admin != admin)
    return error(Code::unauthorized, "key " + admin.hex() + " is not the admin of municipality '" + municipality +
                                         "' (its admin is " + found->municipality->admin.hex() +
                                         "); only the admin may grant or revoke roles there");
  return Status();
}

int change_role(Context& context, const RoleChange& change, bool grant) {
  const std::string what = grant ? "role grant" : "role revoke";
  auto account = parse_account(change.account);
  if (!account.ok()) return context.fail(account.status(), "reading --account");
  if (!chain::is_known_role(change.role))
    return context.fail(client::role_grant_action("-", change.role, *account).status(), "reading --role");
  auto key = context.signing_key();
  if (!key.ok()) return context.fail(key.status(), "loading the signing key");
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto trust = context.trust();
  if (!trust.ok()) return context.fail(trust.status(), "reading the genesis file");
  auto municipality = resolve_municipality(context, *node, *trust, key->key_pair.public_key, change.municipality);
  if (!municipality.ok()) return context.fail(municipality.status(), "choosing the municipality");
  if (!change.skip_checks) {
    Status allowed = check_admin(*node, *trust, *municipality, key->key_pair.public_key);
    if (!allowed.ok()) return context.fail(allowed, what + " refused before sending");
  }
  auto action = grant ? client::role_grant_action(*municipality, change.role, *account)
                      : client::role_revoke_action(*municipality, change.role, *account);
  if (!action.ok()) return context.fail(action.status(), "building the " + what);
  if (!context.options.json)
    std::cout << what << ": " << change.role << " in " << *municipality << " for " << account->hex() << "\n";
  return context.send_transaction(*key, std::move(*action), what);
}

int show_roles(Context& context, const std::string& account_text) {
  auto account = parse_account(account_text);
  if (!account.ok()) return context.fail(account.status(), "reading the account");
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto trust = context.trust();
  if (!trust.ok()) return context.fail(trust.status(), "reading the genesis file");
  auto roles = node->roles(*account, *trust);
  if (!roles.ok()) return context.fail(roles.status(), "reading the roles with a verified proof");
  json entries = json::array();
  std::ostringstream human;
  human << "roles of " << account->hex() << ": " << roles->roles.size();
  for (const auto& entry : roles->roles) {
    entries.push_back({{"municipality", entry.municipality}, {"role", entry.role}});
    human << "\n  " << entry.municipality << "  " << entry.role;
  }
  human << "\n" << context.describe_proof(roles->proof);
  json machine = {{"account", account->hex()}, {"roles", entries}, {"proof", context.proof_json(roles->proof)}};
  return context.emit(machine, human.str());
}

void add_role_change(CLI::App& role, Context& context, const char* name, const char* description, bool grant) {
  CLI::App* command = role.add_subcommand(name, description);
  auto change = std::make_shared<RoleChange>();
  command->add_option("--account", change->account, "account: public key (64 hex digits) or a key file")->required();
  std::string roles_list;
  for (const auto& known : chain::known_roles()) roles_list += (roles_list.empty() ? "" : ", ") + known;
  command->add_option("--role", change->role, "one of: " + roles_list)->required();
  command->add_option("--municipality", change->municipality,
                      "municipality id; default: the one the signing key is the admin of");
  command->add_flag("--skip-checks", change->skip_checks,
                    "send without first checking that the key is the municipality's admin (the chain still checks)");
  command->callback(context.action([&context, change, grant] { return change_role(context, *change, grant); }));
}

}  // namespace

void register_role_commands(CLI::App& app, Context& context) {
  CLI::App* role = app.add_subcommand("role", "grant or revoke a municipality role (signed by the admin's --key)");
  role->require_subcommand(1);
  add_role_change(*role, context, "grant", "grant a role to an account", true);
  add_role_change(*role, context, "revoke", "take a role back from an account", false);

  CLI::App* roles = app.add_subcommand("roles", "show an account's roles, read with a verified state proof");
  auto account = std::make_shared<std::string>();
  roles->add_option("ACCOUNT", *account, "public key (64 hex digits) or a key file")->required();
  roles->callback(context.action([&context, account] { return show_roles(context, *account); }));
}

}  // namespace govchain::cli
