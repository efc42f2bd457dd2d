// govchain validator list
// govchain validator show ID
// govchain validator propose-add --municipality ID --node-key KEY [--name NAME --admin KEY] [--skip-checks]
// govchain validator propose-remove --municipality ID [--skip-checks]
// govchain validator vote ID --approve|--reject [--skip-checks]
//
// Validator set governance (node/execution/validator_governance.h): a member
// municipality's admin proposes to add or remove a municipality's validator,
// the member admins vote, and a change approved by more than two thirds of
// the members takes effect a fixed number of blocks later on every node.
// The reads come from GET /v1/validators (the node's answer, not proven).
// Before sending, the commands check what the chain would refuse anyway
// (the signer is no member's admin, the municipality already has a
// validator, the proposal is not open, ...) so that no nonce and no block
// space is spent on a transaction bound to fail; --skip-checks sends
// without them (the chain still checks).
#include <iostream>
#include <sstream>

#include "client/state_layout.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

constexpr std::string_view refused_hint =
    "nothing was sent; `govchain validator list` shows the validators, the members and the pending proposals with "
    "their votes (--skip-checks sends anyway and lets the chain decide)";

// A failed key load or connection keeps the usual hint; a refusal by the
// checks gets refused_hint.
std::string_view hint_for_preflight(const Status& status) {
  return status.code() == Code::unauthorized ? refused_hint : std::string_view{};
}

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}

// More than two thirds of `members`.
uint64_t approvals_needed(size_t members) { return members * 2 / 3 + 1; }

std::string change_text(const client::ValidatorProposalInfo& proposal) {
  if (proposal.change == "remove") return "remove the validator of " + proposal.municipality;
  std::string text = "add node key " + (proposal.node_key ? proposal.node_key->hex() : "?") + " as validator of " +
                     proposal.municipality;
  if (proposal.name)
    text += " (new member \"" + *proposal.name + "\", admin " + (proposal.admin ? proposal.admin->hex() : "?") + ")";
  return text;
}

std::string state_text(const client::ValidatorProposalInfo& proposal) {
  std::string text = proposal.status + ": approvals " + std::to_string(proposal.approvals.size());
  if (proposal.approvals_needed) text += " of " + std::to_string(*proposal.approvals_needed) + " needed";
  text += " (" + join(proposal.approvals) + "), rejections " + std::to_string(proposal.rejections.size());
  if (!proposal.rejections.empty()) text += " (" + join(proposal.rejections) + ")";
  if (proposal.status == "open") text += "; expires after height " + std::to_string(proposal.expires_height);
  if (proposal.status == "approved")
    text += "; approved at height " + std::to_string(proposal.decided_height) + ", takes effect at height " +
            std::to_string(proposal.activation_height);
  if (proposal.status == "activated") text += "; in effect since height " + std::to_string(proposal.activation_height);
  if (proposal.status == "rejected" || proposal.status == "expired")
    text += "; " + proposal.status + " at height " + std::to_string(proposal.decided_height);
  return text;
}

json raw_or_null(const std::string& raw) {
  json parsed = json::parse(raw, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

int list_validators(Context& context) {
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto info = node->validator_governance();
  if (!info.ok()) return context.fail(info.status(), "reading GET /v1/validators");
  std::ostringstream human;
  human << "validators deciding height " << info->height << " (" << info->validators.size() << "):\n";
  for (const auto& validator : info->validators)
    human << "  " << validator.public_key.hex() << "  " << validator.municipality << "\n";
  human << "members (" << info->members.size() << "): " << join(info->members)
        << "; a validator change needs more than two thirds: " << approvals_needed(info->members.size())
        << " approvals\n";
  human << "pending proposals: " << info->pending.size() << " (" << info->proposal_count
        << " made so far; see one with `govchain validator show ID`)\n";
  for (const auto& proposal : info->pending)
    human << "  #" << proposal.id << "  " << change_text(proposal) << "\n      " << state_text(proposal) << "\n";
  return context.emit(raw_or_null(info->raw_json), human.str());
}

int show_proposal(Context& context, uint64_t id) {
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto proposal = node->validator_proposal(id);
  if (!proposal.ok())
    return context.fail(proposal.status(), "reading validator proposal " + std::to_string(id),
                        proposal.status().code() == Code::not_found
                            ? "list the pending proposals and the number made so far with `govchain validator list`"
                            : std::string_view{});
  std::ostringstream human;
  human << "validator proposal #" << proposal->id << "\n"
        << "  change:     " << change_text(*proposal) << "\n"
        << "  proposer:   " << proposal->proposer.hex() << " (at height " << proposal->proposed_height << ")\n"
        << "  status:     " << state_text(*proposal) << "\n"
        << "  approvals:  " << join(proposal->approvals) << "\n"
        << "  rejections: " << join(proposal->rejections);
  if (proposal->activation_height != 0) human << "\n  activation height: " << proposal->activation_height;
  return context.emit(raw_or_null(proposal->raw_json), human.str());
}

// The member municipality whose admin `key` is (the first, if several), or
// Code::unauthorized naming the members it checked.
Result<std::string> administered_member(const client::Client& node, const client::ValidatorGovernanceInfo& info,
                                        const PublicKey& key) {
  for (const auto& id : info.members) {
    GOVCHAIN_ASSIGN_OR_RETURN(client::StateRead read, node.read_state(client::municipality_key(id)));
    if (!read.value) continue;
    GOVCHAIN_ASSIGN_OR_RETURN(client::MunicipalityRecord record, client::decode_municipality_value(id, *read.value));
    if (record.admin == key) return id;
  }
  return error(Code::unauthorized, "key " + key.hex() + " is not the admin of any member municipality (" +
                                       join(info.members) +
                                       "); only member admins propose and vote on validator changes: sign with a "
                                       "member's admin key (--key keys/<member>/admin.json in a network folder)");
}

const client::ValidatorInfo* validator_of(const client::ValidatorGovernanceInfo& info, const std::string& id) {
  for (const auto& validator : info.validators)
    if (validator.municipality == id) return &validator;
  return nullptr;
}

const client::ValidatorProposalInfo* pending_for(const client::ValidatorGovernanceInfo& info, const std::string& id) {
  for (const auto& proposal : info.pending)
    if (proposal.municipality == id) return &proposal;
  return nullptr;
}

// What the chain would refuse about the change itself (validator_governance.h).
Status check_change(const client::ValidatorGovernanceInfo& info, const chain::ValidatorProposal& change) {
  const std::string& id = change.municipality;
  if (const auto* pending = pending_for(info, id))
    return error(Code::already_exists, "proposal #" + std::to_string(pending->id) + " about '" + id + "' is still " +
                                           pending->status + "; vote on it (`govchain validator vote " +
                                           std::to_string(pending->id) + " --approve`) or wait until it is decided");
  const bool is_member = std::find(info.members.begin(), info.members.end(), id) != info.members.end();
  const client::ValidatorInfo* current = validator_of(info, id);
  if (change.kind == chain::ValidatorChangeKind::remove) {
    if (current == nullptr) return error(Code::not_found, "municipality '" + id + "' has no validator to remove");
    if (info.validators.size() == 1) return error(Code::invalid, "the last validator cannot be removed");
    return Status();
  }
  if (info.validators.size() == 1)
    return error(Code::invalid,
                 "a single-validator (dev) chain does not change its validator set; start a "
                 "consortium with `govchain network new`");
  if (current != nullptr)
    return error(Code::already_exists, "municipality '" + id + "' already has a validator (" +
                                           current->public_key.hex() + "); propose its removal first");
  for (const auto& validator : info.validators)
    if (validator.public_key == change.validator)
      return error(Code::already_exists,
                   "node key " + change.validator.hex() + " already validates for '" + validator.municipality + "'");
  if (is_member && !change.name.empty())
    return error(Code::already_exists,
                 "'" + id + "' is already a member; propose its validator without --name and --admin");
  if (!is_member && change.name.empty())
    return error(Code::not_found, "'" + id + "' is not a member (members: " + join(info.members) +
                                      "); a new member needs --name NAME and --admin KEY");
  return Status();
}

struct ProposeOptions {
  std::string municipality;
  std::string node_key;  // add: 64 hex digits or a key file
  std::string name;      // add, new member only
  std::string admin;     // add, new member only: 64 hex digits or a key file
  bool skip_checks = false;
};

Result<chain::Action> build_proposal(const ProposeOptions& options, bool add) {
  if (!add) return client::validator_remove_action(options.municipality);
  auto node_key = parse_account(options.node_key);
  if (!node_key.ok()) return node_key.status().with_context("--node-key");
  if (options.name.empty() != options.admin.empty())
    return error(Code::invalid_argument,
                 "give --name and --admin together (for a new member), or neither (for an existing member)");
  PublicKey admin;
  if (!options.admin.empty()) {
    auto parsed = parse_account(options.admin);
    if (!parsed.ok()) return parsed.status().with_context("--admin");
    admin = *parsed;
  }
  return client::validator_add_action(options.municipality, *node_key, options.name, admin);
}

// Adds the proposal the receipt names (id, status, and the record as the
// node has it now) to the output.
void describe_proposal_receipt(const client::Client& node, const chain::Receipt& receipt, json& machine,
                               std::string& human) {
  auto event = client::validator_event_of(receipt);
  if (!event.ok()) {
    human += "\n(no proposal event in the receipt: " + event.status().to_string() + ")";
    return;
  }
  machine["proposal_id"] = event->proposal_id;
  machine["proposal_status"] = event->status;
  human += "\nvalidator proposal #" + std::to_string(event->proposal_id) + ": " + event->status;
  auto proposal = node.validator_proposal(event->proposal_id);
  if (!proposal.ok()) return;
  machine["proposal"] = raw_or_null(proposal->raw_json);
  human += "\n  " + change_text(*proposal) + "\n  now " + state_text(*proposal);
  if (proposal->status == "open")
    human += "\nthe other member admins approve it with: govchain --key ADMIN_KEY validator vote " +
             std::to_string(proposal->id) + " --approve";
}

struct Preflight {
  client::Client node;
  client::LoadedKey key;
  client::ValidatorGovernanceInfo info;
};

Result<Preflight> open_preflight(const Context& context, bool skip_checks) {
  GOVCHAIN_ASSIGN_OR_RETURN(Signer signer, open_signer(context));
  Preflight preflight{std::move(signer.node), std::move(signer.key), {}};
  if (skip_checks) return preflight;
  auto info = preflight.node.validator_governance();
  if (!info.ok()) return info.status().with_context("reading GET /v1/validators");
  preflight.info = std::move(*info);
  GOVCHAIN_TRY(administered_member(preflight.node, preflight.info, preflight.key.key_pair.public_key).status());
  return preflight;
}

int propose(Context& context, const ProposeOptions& options, bool add) {
  const std::string what = add ? "validator proposal (add)" : "validator proposal (remove)";
  auto action = build_proposal(options, add);
  if (!action.ok()) return context.fail(action.status(), "building the " + what);
  auto preflight = open_preflight(context, options.skip_checks);
  if (!preflight.ok())
    return context.fail(preflight.status(), what + " refused before sending", hint_for_preflight(preflight.status()));
  if (!options.skip_checks) {
    Status allowed = check_change(preflight->info, std::get<chain::ValidatorProposal>(*action));
    if (!allowed.ok()) return context.fail(allowed, what + " refused before sending", refused_hint);
  }
  const client::Client& node = preflight->node;
  return context.send_transaction(preflight->key, std::move(*action), what,
                                  [&node](const chain::Receipt& receipt, json& machine, std::string& human) {
                                    describe_proposal_receipt(node, receipt, machine, human);
                                  });
}

struct VoteOptions {
  uint64_t proposal_id = 0;
  bool approve = false;
  bool reject = false;
  bool skip_checks = false;
};

// What the chain would refuse about the vote: no such proposal, not open,
// or the signer's municipality has voted already.
Status check_vote(const Preflight& preflight, uint64_t id) {
  GOVCHAIN_ASSIGN_OR_RETURN(client::ValidatorProposalInfo proposal, preflight.node.validator_proposal(id));
  if (proposal.status != "open")
    return error(Code::invalid, "proposal #" + std::to_string(id) + " is " + proposal.status +
                                    ", no longer open for votes (" + state_text(proposal) + ")");
  GOVCHAIN_ASSIGN_OR_RETURN(std::string member,
                            administered_member(preflight.node, preflight.info, preflight.key.key_pair.public_key));
  auto voted = [&](const std::vector<std::string>& names) {
    return std::find(names.begin(), names.end(), member) != names.end();
  };
  if (voted(proposal.approvals) || voted(proposal.rejections))
    return error(Code::already_exists, "'" + member + "' has already voted on proposal #" + std::to_string(id) +
                                           " (votes cannot be changed)");
  return Status();
}

int vote(Context& context, const VoteOptions& options) {
  if (options.approve == options.reject)
    return context.fail(error(Code::invalid_argument, "give exactly one of --approve and --reject"), "validator vote");
  auto action = client::validator_vote_action(options.proposal_id, options.approve);
  if (!action.ok()) return context.fail(action.status(), "building the validator vote");
  auto preflight = open_preflight(context, options.skip_checks);
  if (!preflight.ok())
    return context.fail(preflight.status(), "validator vote refused before sending",
                        hint_for_preflight(preflight.status()));
  if (!options.skip_checks) {
    Status allowed = check_vote(*preflight, options.proposal_id);
    if (!allowed.ok()) return context.fail(allowed, "validator vote refused before sending", refused_hint);
  }
  const client::Client& node = preflight->node;
  return context.send_transaction(preflight->key, std::move(*action), "validator vote",
                                  [&node](const chain::Receipt& receipt, json& machine, std::string& human) {
                                    describe_proposal_receipt(node, receipt, machine, human);
                                  });
}

void add_propose_command(CLI::App& validator, Context& context, bool add) {
  auto options = std::make_shared<ProposeOptions>();
  CLI::App* command =
      add ? validator.add_subcommand("propose-add",
                                     "propose a validator for a municipality: an existing member without one, or a "
                                     "new member (with --name and --admin)")
          : validator.add_subcommand("propose-remove", "propose to remove a municipality's validator");
  command->add_option("--municipality", options->municipality, "municipality id, e.g. bielefeld")->required();
  if (add) {
    command->add_option("--node-key", options->node_key, "the node key to add: 64 hex digits or its key file")
        ->required();
    command->add_option("--name", options->name, "display name of a new member (with --admin)");
    command->add_option("--admin", options->admin, "admin account of a new member: 64 hex digits or a key file");
  }
  command->add_flag("--skip-checks", options->skip_checks,
                    "send without first checking what the chain would refuse (the chain still checks)");
  command->callback(context.action([&context, options, add] { return propose(context, *options, add); }));
}

}  // namespace

void register_validator_commands(CLI::App& app, Context& context) {
  CLI::App* validator = app.add_subcommand(
      "validator", "show and change the validator set by member votes (changes signed by a member admin's --key)");
  validator->require_subcommand(1);

  CLI::App* list = validator->add_subcommand("list", "show the validators, the members and the pending proposals");
  list->callback(context.action([&context] { return list_validators(context); }));

  auto show_id = std::make_shared<uint64_t>(0);
  CLI::App* show = validator->add_subcommand("show", "show one validator proposal");
  show->add_option("ID", *show_id, "proposal id (see `govchain validator list`)")->required();
  show->callback(context.action([&context, show_id] { return show_proposal(context, *show_id); }));

  add_propose_command(*validator, context, true);
  add_propose_command(*validator, context, false);

  auto vote_options = std::make_shared<VoteOptions>();
  CLI::App* vote_command = validator->add_subcommand("vote", "approve or reject an open validator proposal");
  vote_command->add_option("ID", vote_options->proposal_id, "proposal id (see `govchain validator list`)")->required();
  vote_command->add_flag("--approve", vote_options->approve, "vote for the change");
  vote_command->add_flag("--reject", vote_options->reject, "vote against the change");
  vote_command->add_flag("--skip-checks", vote_options->skip_checks,
                         "send without first checking what the chain would refuse (the chain still checks)");
  vote_command->callback(context.action([&context, vote_options] { return vote(context, *vote_options); }));
}

}  // namespace govchain::cli
