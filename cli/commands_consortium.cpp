// govchain consortium list
// govchain consortium show ID
// govchain consortium propose-deploy MODULE.wasm --name NAME [--abi FILE]
// govchain consortium propose-upgrade MODULE.wasm --name NAME [--abi FILE]
// govchain consortium propose-owner --name NAME --owner MUNICIPALITY|consortium
// govchain consortium vote ID --approve|--reject
//
// Governance of the consortium's shared contracts
// (node/execution/consortium_governance.h,
// docs/decisions/consortium-contracts.md): a member municipality's admin
// proposes to deploy a new shared contract, upgrade one or change a
// contract's owner; the member admins vote, and a change approved by more
// than two thirds of the members takes effect a fixed number of blocks
// later on every node. The reads come from GET /v1/consortium and
// GET /v1/consortium/proposals/{id} (the node's answer, not proven).
#include <filesystem>
#include <sstream>

#include "client/api_types.h"
#include "client/http_transport.h"
#include "client/keys.h"
#include "client/tx_builder.h"
#include "codec/codec.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

constexpr size_t abi_file_size_bytes_max = chain::abi_size_bytes_max;

// GET `target` as JSON (the node's error Status for a non-2xx answer).
Result<json> get_json(const client::Client& node, const std::string& target) {
  const client::ClientOptions& options = node.options();
  GOVCHAIN_ASSIGN_OR_RETURN(client::detail::HttpEndpoint endpoint,
                            client::detail::endpoint_for(options.node_url, options.tls_ca_file));
  client::detail::HttpLimits limits{options.request_timeout_ms, options.response_size_bytes_max};
  GOVCHAIN_ASSIGN_OR_RETURN(client::detail::HttpAnswer answer,
                            client::detail::http_exchange(endpoint, "GET", target, "", limits));
  if (answer.status < 200 || answer.status >= 300) return client::parse_error_json(answer.status, answer.body);
  json document = json::parse(answer.body, nullptr, false);
  if (document.is_discarded() || !document.is_object())
    return error(Code::malformed, "the node's answer to " + target + " is not a JSON object");
  return document;
}

std::string join(const json& names) {
  std::string text;
  if (names.is_array())
    for (const auto& name : names)
      if (name.is_string()) text += (text.empty() ? "" : ", ") + name.get<std::string>();
  return text.empty() ? "none" : text;
}

std::string field_text(const json& object, const char* name) {
  if (!object.contains(name)) return "?";
  const json& value = object[name];
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string change_text(const json& proposal) {
  std::string change = field_text(proposal, "change");
  std::string contract = field_text(proposal, "contract");
  if (change == "owner") return "hand contract " + contract + " to " + field_text(proposal, "owner");
  return change + " shared contract " + contract + " (code " + field_text(proposal, "code_hash") + ", " +
         field_text(proposal, "code_size_bytes") + " bytes)";
}

std::string state_text(const json& proposal) {
  std::string status = field_text(proposal, "status");
  std::string text = status + ": approvals " + std::to_string(proposal.value("approvals", json::array()).size());
  if (proposal.contains("approvals_needed")) text += " of " + field_text(proposal, "approvals_needed") + " needed";
  text += " (" + join(proposal.value("approvals", json::array())) + "), rejections " +
          join(proposal.value("rejections", json::array()));
  if (status == "open") text += "; expires after height " + field_text(proposal, "expires_height");
  if (status == "approved")
    text += "; approved at height " + field_text(proposal, "decided_height") + ", takes effect at height " +
            field_text(proposal, "activation_height");
  if (status == "activated") text += "; in effect since height " + field_text(proposal, "activation_height");
  if (status == "failed") text += "; could not be applied: " + field_text(proposal, "failure");
  return text;
}

int list_proposals(Context& context) {
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto info = get_json(*node, "/v1/consortium");
  if (!info.ok()) return context.fail(info.status(), "reading GET /v1/consortium");
  std::ostringstream human;
  const json members = info->value("members", json::array());
  human << "members (" << members.size() << "): " << join(members)
        << "; a change of a shared contract needs more than two thirds: " << field_text(*info, "approvals_needed")
        << " approvals\n";
  const json pending = info->value("pending", json::array());
  human << "pending contract proposals: " << pending.size() << " (" << field_text(*info, "proposal_count")
        << " made so far; see one with `govchain consortium show ID`)";
  for (const auto& proposal : pending)
    human << "\n  #" << field_text(proposal, "id") << "  " << change_text(proposal) << "\n      "
          << state_text(proposal);
  return context.emit(*info, human.str());
}

int show_proposal(Context& context, uint64_t id) {
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto proposal = get_json(*node, "/v1/consortium/proposals/" + std::to_string(id));
  if (!proposal.ok())
    return context.fail(
        proposal.status(), "reading contract proposal " + std::to_string(id),
        proposal.status().code() == Code::not_found ? "list them with `govchain consortium list`" : std::string_view{});
  std::ostringstream human;
  human << "contract proposal #" << id << "\n"
        << "  change:     " << change_text(*proposal) << "\n"
        << "  proposer:   " << field_text(*proposal, "proposer_municipality") << " ("
        << field_text(*proposal, "proposer") << ", at height " << field_text(*proposal, "proposed_height") << ")\n"
        << "  status:     " << state_text(*proposal);
  return context.emit(*proposal, human.str());
}

// The proposal id and status of a "contract_proposed" or "contract_voted"
// event (u64 id, text status).
void describe_receipt(const chain::Receipt& receipt, json& machine, std::string& human) {
  for (const auto& event : receipt.events) {
    if (!event.contract.empty() || (event.topic != "contract_proposed" && event.topic != "contract_voted")) continue;
    codec::Reader reader(event.data);
    auto id = reader.u64();
    auto status = reader.text(32);
    if (!id.ok() || !status.ok()) continue;
    machine["proposal_id"] = *id;
    machine["proposal_status"] = *status;
    human += "\ncontract proposal #" + std::to_string(*id) + ": " + *status;
    if (*status == "open")
      human += "\nthe other member admins approve it with: govchain --key ADMIN_KEY consortium vote " +
               std::to_string(*id) + " --approve";
  }
}

struct ProposeOptions {
  std::string module_path;
  std::string name;
  std::string abi_path;
  std::string owner;
};

Result<std::string> read_abi(const ProposeOptions& options) {
  std::string path = options.abi_path;
  if (path.empty()) {
    std::filesystem::path beside = std::filesystem::path(options.module_path).replace_extension(".abi.json");
    std::error_code ignored;
    if (!std::filesystem::exists(beside, ignored)) return std::string();
    path = beside.string();
  }
  return client::read_small_file(path, abi_file_size_bytes_max);
}

Result<chain::Action> build_proposal(const ProposeOptions& options, chain::ContractChangeKind kind) {
  if (kind == chain::ContractChangeKind::owner)
    return client::contract_owner_proposal_action(options.name, options.owner);
  GOVCHAIN_ASSIGN_OR_RETURN(std::string code,
                            client::read_small_file(options.module_path, limits::tx_payload_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(std::string abi, read_abi(options));
  if (kind == chain::ContractChangeKind::deploy)
    return client::contract_deploy_proposal_action(options.name, to_bytes(code), std::move(abi));
  return client::contract_upgrade_proposal_action(options.name, to_bytes(code), std::move(abi));
}

int send(Context& context, Result<chain::Action> action, const std::string& what) {
  if (!action.ok()) return context.fail(action.status(), "building the " + what);
  auto key = context.signing_key();
  if (!key.ok()) return context.fail(key.status(), "loading the signing key");
  return context.send_transaction(*key, std::move(*action), what, describe_receipt);
}

void add_propose_command(CLI::App& consortium, Context& context, chain::ContractChangeKind kind) {
  auto options = std::make_shared<ProposeOptions>();
  const bool with_code = kind != chain::ContractChangeKind::owner;
  const char* name = kind == chain::ContractChangeKind::deploy    ? "propose-deploy"
                     : kind == chain::ContractChangeKind::upgrade ? "propose-upgrade"
                                                                  : "propose-owner";
  const char* description = kind == chain::ContractChangeKind::deploy ? "propose a new shared contract"
                            : kind == chain::ContractChangeKind::upgrade
                                ? "propose new code (and ABI) for a shared contract"
                                : "propose to hand a contract to a member municipality, or back to the consortium";
  CLI::App* command = consortium.add_subcommand(name, description);
  if (with_code) {
    command->add_option("MODULE", options->module_path, "the WebAssembly module (.wasm)")->required();
    command->add_option("--abi", options->abi_path, "the ABI file (default: MODULE with .abi.json, if present)");
  }
  command->add_option("--name", options->name, "the contract's name (shared: no '.')")->required();
  if (!with_code)
    command->add_option("--owner", options->owner, "a member municipality's id, or 'consortium'")->required();
  command->callback(context.action([&context, options, kind, name] {
    return send(context, build_proposal(*options, kind), "contract proposal (" + std::string(name).substr(8) + ")");
  }));
}

}  // namespace

void register_consortium_commands(CLI::App& app, Context& context) {
  CLI::App* consortium = app.add_subcommand(
      "consortium", "show and change the shared contracts by member votes (changes signed by a member admin's --key)");
  consortium->require_subcommand(1);

  CLI::App* list = consortium->add_subcommand("list", "show the members and the pending contract proposals");
  list->callback(context.action([&context] { return list_proposals(context); }));

  auto show_id = std::make_shared<uint64_t>(0);
  CLI::App* show = consortium->add_subcommand("show", "show one contract proposal");
  show->add_option("ID", *show_id, "proposal id (see `govchain consortium list`)")->required();
  show->callback(context.action([&context, show_id] { return show_proposal(context, *show_id); }));

  add_propose_command(*consortium, context, chain::ContractChangeKind::deploy);
  add_propose_command(*consortium, context, chain::ContractChangeKind::upgrade);
  add_propose_command(*consortium, context, chain::ContractChangeKind::owner);

  struct VoteOptions {
    uint64_t id = 0;
    bool approve = false;
    bool reject = false;
  };
  auto vote = std::make_shared<VoteOptions>();
  CLI::App* vote_command = consortium->add_subcommand("vote", "approve or reject an open contract proposal");
  vote_command->add_option("ID", vote->id, "proposal id (see `govchain consortium list`)")->required();
  vote_command->add_flag("--approve", vote->approve, "vote for the change");
  vote_command->add_flag("--reject", vote->reject, "vote against the change");
  vote_command->callback(context.action([&context, vote] {
    if (vote->approve == vote->reject)
      return context.fail(error(Code::invalid_argument, "give exactly one of --approve and --reject"), "contract vote");
    return send(context, client::contract_vote_action(vote->id, vote->approve), "contract vote");
  }));
}

}  // namespace govchain::cli
