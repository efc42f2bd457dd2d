// govchain status
// govchain block [HEIGHT|latest]
// govchain tx status HASH
// govchain events [--count N] [--duration-ms D]
//
// Contract events in receipts (tx status, events) are shown decoded with
// the contract's ABI, fetched from the node once per contract and command,
// when it declares the topic; --json keeps the node's "data_hex" beside the
// decoded "data".
#include <iostream>
#include <sstream>

#include "chain/genesis.h"
#include "client/contracts.h"
#include "client/events.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

int show_status(Context& context) {
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto status = node->status();
  if (!status.ok()) return context.fail(status.status(), "reading the node's status");
  std::ostringstream human;
  human << "chain:        " << status->chain_id << "\n"
        << "height:       " << status->height << "\n"
        << "latest block: " << status->latest_block_hash.hex() << " at " << format_time_ms(status->latest_block_time_ms)
        << "\n"
        << "state root:   " << status->state_root.hex() << "\n"
        << "mempool:      " << status->mempool_txs << " transactions\n"
        << "validators:   " << status->validators.size();
  for (const auto& validator : status->validators) human << "\n  " << validator.hex();
  return context.emit(json::parse(status->raw_json), human.str());
}

Result<std::optional<uint64_t>> parse_height(const std::string& text) {
  if (text == "latest") return std::optional<uint64_t>();
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
    return error(Code::invalid_argument, "block must be a height (decimal) or 'latest', not '" + text + "'");
  return std::optional<uint64_t>(std::stoull(text));
}

int show_block(Context& context, const std::string& id) {
  auto height = parse_height(id);
  if (!height.ok()) return context.fail(height.status(), "reading the block id");
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto block = node->block(*height);
  if (!block.ok()) return context.fail(block.status(), "reading block " + id);
  if (block->computed_hash != block->claimed_hash)
    return context.fail(error(Code::invalid, "the header hashes to " + block->computed_hash.hex() +
                                                 " but the node calls the block " + block->claimed_hash.hex()),
                        "checking block " + id);
  // The commit certificate is checked like a light client would.
  auto trust = context.trust();
  if (!trust.ok()) return context.fail(trust.status(), "reading the genesis file");
  std::vector<PublicKey> validators = trust->validators;
  bool from_node = validators.empty();
  if (from_node) {
    auto status = node->status();
    if (!status.ok()) return context.fail(status.status(), "reading the validator set");
    validators = status->validators;
  }
  // A set pinned by the genesis that no longer decides this block is
  // followed through the chain's validator set changes, each step proven.
  bool followed = !from_node && block->header.validator_set_hash != chain::validator_set_hash(validators);
  if (followed) {
    auto at_height = node->validators_at(block->header.height, *trust);
    if (!at_height.ok()) return context.fail(at_height.status(), "following the validator set to block " + id);
    validators = std::move(*at_height);
  }
  auto commit = client::verify_commit(block->header, block->commit, validators);
  if (!commit.ok()) return context.fail(commit.status(), "verifying the commit of block " + id);

  const chain::Header& header = block->header;
  json machine = json::parse(block->raw_json);
  machine["verified"] = {{"signatures_valid", commit->signatures_valid},
                         {"validators_total", commit->validators_total},
                         {"validator_source", from_node ? "node_status" : "caller"}};
  std::ostringstream human;
  human << "block " << header.height << " of chain " << header.chain_id << "\n"
        << "hash:          " << block->computed_hash.hex() << "\n"
        << "time:          " << format_time_ms(header.time_ms) << "\n"
        << "previous:      " << header.previous_hash.hex() << "\n"
        << "state root:    " << header.state_root.hex() << "\n"
        << "txs root:      " << header.txs_root.hex() << "\n"
        << "receipts root: " << header.receipts_root.hex() << "\n"
        << "proposer:      " << header.proposer.hex() << "\n"
        << "transactions:  " << block->txs.size();
  for (const auto& tx : block->txs)
    human << "\n  " << tx.hash.hex() << " " << tx.action_type << " from " << tx.sender.hex() << " nonce " << tx.nonce;
  human << "\ncommit:        round " << block->commit.round << ", signed by " << commit->signatures_valid << "/"
        << commit->validators_total << " validators, verified ("
        << (from_node ? "validator set as reported by the node; pass --genesis FILE to pin it"
                      : "validator set from " + context.options.genesis_path +
                            (followed ? ", followed through its changes on chain" : ""))
        << ")";
  return context.emit(machine, human.str());
}

int show_tx(Context& context, const std::string& hash_text) {
  auto hash = Hash::from_hex_string(hash_text);
  if (!hash.ok()) return context.fail(hash.status(), "reading the transaction hash");
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto status = node->tx_status(*hash);
  if (!status.ok()) return context.fail(status.status(), "looking up transaction " + hash_text);
  json machine = json::parse(status->raw_json);
  if (status->state == client::TxState::pending)
    return context.emit(machine, "transaction " + hash->hex() + ": pending");
  if (status->state == client::TxState::dropped)
    return context.emit(
        machine, "transaction " + hash->hex() + ": dropped, never on the chain (" + status->reason.to_string() + ")");
  const chain::Receipt& receipt = *status->receipt;
  // Events decoded with their contracts' ABIs, "data" beside "data_hex".
  client::ContractAbis abis(*node);
  if (machine.contains("receipt")) machine["receipt"] = abis.with_decoded_events(std::move(machine["receipt"]));
  std::ostringstream human;
  human << "transaction " << hash->hex() << ": committed in block " << receipt.height << " (index " << receipt.index
        << ")\nstatus:   " << code_name(receipt.status) << "\ngas used: " << receipt.gas_used;
  if (!receipt.message.empty()) human << "\nmessage:  " << receipt.message;
  if (!receipt.return_data.empty()) human << "\nreturn:   " << to_hex(receipt.return_data);
  if (machine.contains("receipt") && machine["receipt"].contains("events") && machine["receipt"]["events"].is_array())
    for (const auto& event : machine["receipt"]["events"]) human << "\nevent:    " << event_text(event);
  return context.emit(machine, human.str());
}

// The node's message with each contract event's "data" decoded beside its
// "data_hex" (ABIs fetched once per contract for the whole command).
json decoded_block_event(const client::BlockEvent& event, client::ContractAbis& abis) {
  json document = json::parse(event.raw_json);
  if (document.contains("results") && document["results"].is_array())
    for (json& receipt : document["results"]) receipt = abis.with_decoded_events(std::move(receipt));
  return document;
}

void print_block_event(const client::BlockEvent& event, const json& document) {
  size_t failed = 0;
  for (const auto& receipt : event.results) failed += receipt.status == Code::ok ? 0 : 1;
  std::cout << "block " << event.height << " " << event.hash.hex() << " at " << format_time_ms(event.time_ms) << ": "
            << event.tx_count << " transactions (" << failed << " failed), state root " << event.state_root.hex()
            << "\n";
  if (document.contains("results") && document["results"].is_array())
    for (const auto& receipt : document["results"])
      if (receipt.is_object() && receipt.contains("events") && receipt["events"].is_array())
        for (const auto& entry : receipt["events"]) std::cout << "  event " << event_text(entry) << "\n";
  std::cout << std::flush;
}

int follow_events(Context& context, uint64_t count, uint64_t duration_ms) {
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  uint64_t received = 0;
  client::ContractAbis abis(*node);
  Status status = client::subscribe_blocks(
      *node,
      [&](const client::BlockEvent& event) {
        ++received;
        json document = decoded_block_event(event, abis);
        if (context.options.json) {
          // One JSON document per line (JSON Lines): the node's, with "data" added.
          std::cout << document.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
        } else {
          print_block_event(event, document);
        }
        return count == 0 || received < count;
      },
      duration_ms);
  if (!status.ok()) return context.fail(status, "following committed blocks");
  if (count != 0 && received < count)
    return context.fail(error(Code::timeout, "received " + std::to_string(received) + " of " + std::to_string(count) +
                                                 " blocks within " + std::to_string(duration_ms) + " ms"),
                        "following committed blocks");
  return exit_ok;
}

}  // namespace

void register_chain_commands(CLI::App& app, Context& context) {
  CLI::App* status = app.add_subcommand("status", "show the node's chain, height, state root and validators");
  status->callback(context.action([&context] { return show_status(context); }));

  CLI::App* block = app.add_subcommand("block", "show a block and verify its commit certificate");
  auto block_id = std::make_shared<std::string>("latest");
  block->add_option("HEIGHT", *block_id, "height or 'latest'")->capture_default_str();
  block->callback(context.action([&context, block_id] { return show_block(context, *block_id); }));

  CLI::App* tx = app.add_subcommand("tx", "transactions");
  tx->require_subcommand(1);
  CLI::App* tx_status =
      tx->add_subcommand("status", "show whether a transaction is pending or committed, and its receipt");
  auto hash = std::make_shared<std::string>();
  tx_status->add_option("HASH", *hash, "transaction hash (64 hex digits)")->required();
  tx_status->callback(context.action([&context, hash] { return show_tx(context, *hash); }));

  CLI::App* events = app.add_subcommand("events", "print committed blocks as they come (WebSocket /v1/events)");
  auto count = std::make_shared<uint64_t>(0);
  auto duration_ms = std::make_shared<uint64_t>(24ull * 3600 * 1000);
  events->add_option("--count", *count, "stop after this many blocks (0: no limit)")->capture_default_str();
  events->add_option("--duration-ms", *duration_ms, "stop after this long")->capture_default_str();
  events->callback(
      context.action([&context, count, duration_ms] { return follow_events(context, *count, *duration_ms); }));
}

}  // namespace govchain::cli
