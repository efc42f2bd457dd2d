#include "context.h"

#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <fstream>
#include <iostream>

#include "chain/genesis.h"
#include "setup/setup_files.h"

namespace govchain::cli {

using json = nlohmann::json;

namespace {

std::string hint_for(Code code, const GlobalOptions& options) {
  switch (code) {
    case Code::unavailable:
      return "is govchaind running at " + options.node_url +
             "? Set --node URL or GOVCHAIN_NODE. For an https node, its certificate must name the URL's host and "
             "be signed by a CA of --ca-file (or of the system's store).";
    case Code::timeout:
      return "the node did not answer or commit in time; check it with `govchain status`, raise --timeout-ms or "
             "--wait-ms, and look the transaction up with `govchain tx status HASH`.";
    case Code::unauthorized:
      return "the signing key lacks the right for this: role changes, validator proposals and validator votes "
             "must be signed by a municipality admin's key (--key), and encrypted keys need the right passphrase.";
    case Code::unknown_account:
      return "the chain does not know this key: a municipality admin grants it a role (govchain role grant "
             "MUNICIPALITY ROLE ACCOUNT), or an identity office attests it; then submit again.";
    case Code::bad_signature:
      return "the signature does not match the sender; the key file may be damaged.";
    case Code::wrong_chain:
      return "the transaction is for another chain; check --node and --genesis.";
    case Code::nonce_too_low:
    case Code::already_exists:
      return "another transaction of this key was committed first (or this one was sent twice); run the command "
             "again to use the next nonce.";
    case Code::nonce_too_high:
      return "earlier transactions of this key are still pending; wait for them and retry.";
    case Code::out_of_gas:
      return "raise the gas limit with --gas N.";
    case Code::too_large:
      return "the request is over a node limit; make it smaller.";
    case Code::resource_exhausted:
      return "the node is busy (full pool); retry in a moment.";
    case Code::not_found:
      return "check the hash, height or name; a transaction is only known once submitted.";
    case Code::invalid:
      return "the request breaks a rule of the chain (the message says which), or the node's answer did not "
             "verify: do not trust data that failed verification.";
    case Code::malformed:
      return "the input (or the node's answer) is not in the expected format.";
    case Code::invalid_argument:
      return "check the command's arguments; see `govchain COMMAND --help`.";
    default:
      return "see docs/cli.md.";
  }
}

}  // namespace

std::function<void()> Context::action(std::function<int()> body) {
  return [this, body = std::move(body)]() {
    try {
      exit_code = body();
    } catch (const std::exception& failure) {
      exit_code = fail(error(Code::internal, failure.what()), "running the command");
    }
  };
}

Result<client::Client> Context::client() const {
  client::ClientOptions client_options;
  client_options.node_url = options.node_url;
  client_options.request_timeout_ms = options.timeout_ms;
  client_options.tls_ca_file = options.ca_file;
  return client::Client::connect(client_options);
}

bool Context::dev_keys_allowed() const {
  if (options.dev_key) return true;
  const char* value = std::getenv("GOVCHAIN_DEV");
  return value != nullptr && std::string_view(value) == "1";
}

Result<client::LoadedKey> Context::signing_key() const {
  if (options.key_path.empty())
    return error(Code::invalid_argument, "this command signs a transaction: give the key file with --key FILE");
  client::KeyLoadOptions load_options;
  load_options.allow_dev_keys = dev_keys_allowed();
  if (!options.passphrase_file.empty()) {
    // The file wins over the environment; it is read only when the key is
    // encrypted.
    load_options.use_environment = false;
    load_options.prompt = [path = options.passphrase_file](std::string_view) {
      return setup::read_passphrase_file(path);
    };
  } else if (stdin_is_terminal()) {
    load_options.prompt = prompt_passphrase;
  }
  auto key = client::load_key_file(options.key_path, load_options);
  if (key.ok() && key->dev_only)
    std::cerr << "govchain: warning: using plaintext dev key " << options.key_path
              << " (development chains only, never on a real network)\n";
  return key;
}

Result<std::string> Context::new_passphrase(size_t size_min) const {
  std::string passphrase;
  if (!options.passphrase_file.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(passphrase, setup::read_passphrase_file(options.passphrase_file));
  } else if (const char* value = std::getenv(client::passphrase_environment_variable)) {
    passphrase = value;
  } else {
    if (!stdin_is_terminal())
      return error(Code::invalid_argument,
                   "no terminal to ask for a passphrase: give --passphrase-file FILE (or set GOVCHAIN_KEY_PASSPHRASE)");
    GOVCHAIN_ASSIGN_OR_RETURN(passphrase, prompt_passphrase("New passphrase: "));
    GOVCHAIN_ASSIGN_OR_RETURN(std::string repeated, prompt_passphrase("Repeat passphrase: "));
    if (passphrase != repeated) return error(Code::invalid_argument, "the two passphrases differ");
  }
  if (passphrase.size() < std::max<size_t>(size_min, 1))
    return error(Code::invalid_argument,
                 "the passphrase must have at least " + std::to_string(std::max<size_t>(size_min, 1)) + " characters");
  return passphrase;
}

Result<client::TrustOptions> Context::trust() const {
  client::TrustOptions trust;
  if (options.genesis_path.empty()) return trust;
  auto text = client::read_small_file(options.genesis_path, 64 * 1024 * 1024);
  if (!text.ok()) return text.status();
  auto genesis = chain::parse_genesis(*text);
  if (!genesis.ok()) return genesis.status().with_context(options.genesis_path);
  trust.validators = chain::validator_keys(*genesis);
  trust.chain_id = genesis->chain_id;
  return trust;
}

Result<Signer> open_signer(const Context& context) {
  GOVCHAIN_ASSIGN_OR_RETURN(client::LoadedKey key, context.signing_key());
  GOVCHAIN_ASSIGN_OR_RETURN(client::Client node, context.client());
  return Signer{std::move(node), std::move(key), {context.options.gas, context.options.wait_ms}};
}

int send_reason_change(const Context& context, const ReasonChange& change) {
  const std::string what = std::string(change.contract) + " " + change.method;
  auto id = client::certificate_id_from(change.certificate_text);
  if (!id.ok()) return context.fail(id.status(), what + ": reading the certificate");
  auto signer = open_signer(context);
  if (!signer.ok()) return context.fail(signer.status(), what);
  auto receipt = client::submit_call(
      signer->node, signer->key.key_pair,
      client::reason_action(signer->node, change.contract, change.method, *id, change.reason), signer->submit);
  if (!receipt.ok()) return context.fail(receipt.status(), what + " refused");
  json machine = {{"action", std::string(change.contract) + "." + change.method},
                  {"id", id->hex()},
                  {"reason", change.reason},
                  {"height", receipt->height},
                  {"tx_hash", receipt->tx_hash.hex()}};
  return context.emit(machine, change.noun + " " + id->hex() + " " + change.done + " in block " +
                                   std::to_string(receipt->height) + " (reason code " + change.reason + ")." +
                                   change.consequence);
}

std::string Context::describe_proof(const client::ProvenState& proof) const {
  std::string source = proof.validator_source == client::ValidatorSource::caller
                           ? "validator set from genesis file " + options.genesis_path
                           : "validator set as reported by the node itself; pass --genesis FILE to pin it";
  return "proof verified against state root " + proof.state_root.hex() + " of block " + std::to_string(proof.height) +
         " (" + proof.block_hash.hex() + "), signed by " + std::to_string(proof.commit.signatures_valid) + "/" +
         std::to_string(proof.commit.validators_total) + " validators (" + source + ")";
}

json Context::proof_json(const client::ProvenState& proof) const {
  return {{"verified", true},
          {"chain_id", proof.chain_id},
          {"height", proof.height},
          {"block_hash", proof.block_hash.hex()},
          {"state_root", proof.state_root.hex()},
          {"block_time_ms", proof.block_time_ms},
          {"signatures_valid", proof.commit.signatures_valid},
          {"validators_total", proof.commit.validators_total},
          {"validator_source", std::string(client::validator_source_name(proof.validator_source))}};
}

int Context::emit(const json& machine, const std::string& human) const {
  if (options.json) {
    std::cout << machine.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else {
    std::cout << human;
    if (!human.empty() && human.back() != '\n') std::cout << "\n";
  }
  std::cout.flush();
  return exit_ok;
}

int Context::fail(const Status& status, std::string_view doing, std::string_view hint) const {
  std::cerr << "govchain: error: " << doing << ": " << status.to_string() << "\n"
            << "  hint: " << (hint.empty() ? hint_for(status.code(), options) : std::string(hint)) << "\n";
  return exit_failure;
}

int Context::send_transaction(const client::LoadedKey& key, chain::Action action, std::string_view what,
                              const ReceiptDescriber& describe) const {
  auto node = client();
  if (!node.ok()) return fail(node.status(), "connecting");
  Result<chain::Tx> tx = error(Code::internal, "not built");
  if (options.chain_id.empty()) {
    tx = node->prepare_tx(key.key_pair, std::move(action), options.gas);
  } else {
    auto nonce = node->next_nonce(key.key_pair.public_key);
    if (!nonce.ok()) return fail(nonce.status(), "reading the next nonce");
    tx = client::make_tx(options.chain_id, key.key_pair, *nonce, options.gas, std::move(action));
  }
  if (!tx.ok()) return fail(tx.status(), std::string("preparing ") + std::string(what));
  if (options.dry_run) {
    const std::string hash = chain::tx_hash(*tx).hex();
    json machine = {{"hash", hash},
                    {"nonce", tx->nonce},
                    {"chain_id", tx->chain_id},
                    {"tx_hex", client::tx_hex(*tx)},
                    {"sent", false}};
    return emit(machine, "signed " + std::string(what) + " " + hash + " (nonce " + std::to_string(tx->nonce) +
                             ", chain " + tx->chain_id + "), not sent (--dry-run)\ntx hex: " + client::tx_hex(*tx) +
                             "\nsend it with: curl -X POST NODE/v1/txs -d '{\"tx\":\"<tx hex>\"}'");
  }
  auto hash = node->submit(*tx);
  if (!hash.ok()) return fail(hash.status(), std::string("submitting ") + std::string(what));
  if (!options.json)
    std::cout << "submitted " << what << " " << hash->hex() << " (sender " << key.key_pair.public_key.hex()
              << ", nonce " << tx->nonce << ")\n";
  auto receipt = node->wait_for_receipt(*hash, options.wait_ms);
  if (!receipt.ok()) return fail(receipt.status(), "waiting for " + hash->hex());
  client::ContractAbis abis(*node);
  json machine = {{"hash", hash->hex()}, {"nonce", tx->nonce}, {"receipt", receipt_json(*receipt, &abis)}};
  std::string human = "committed in block " + std::to_string(receipt->height) + " (index " +
                      std::to_string(receipt->index) + "), gas used " + std::to_string(receipt->gas_used) +
                      ", status " + std::string(code_name(receipt->status));
  if (receipt->status != Code::ok) {
    if (options.json) emit(machine, "");
    return fail(error(receipt->status, receipt->message.empty() ? "(no message)" : receipt->message),
                std::string(what) + " " + hash->hex() + " was committed in block " + std::to_string(receipt->height) +
                    " but failed");
  }
  if (describe) describe(*receipt, machine, human);
  return emit(machine, human);
}

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

Result<std::string> prompt_passphrase(std::string_view prompt) {
  FILE* terminal = std::fopen("/dev/tty", "r+");
  if (terminal == nullptr) return error(Code::unavailable, "no terminal to ask for a passphrase");
  int descriptor = fileno(terminal);
  termios saved{};
  bool restore = ::tcgetattr(descriptor, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(descriptor, TCSAFLUSH, &quiet);
  }
  std::fprintf(terminal, "%.*s", static_cast<int>(prompt.size()), prompt.data());
  std::fflush(terminal);
  std::string line;
  // At most 1024 characters: a passphrase, not a file.
  for (int character = std::fgetc(terminal); character != EOF && character != '\n' && line.size() < 1024;
       character = std::fgetc(terminal))
    line.push_back(static_cast<char>(character));
  if (restore) ::tcsetattr(descriptor, TCSAFLUSH, &saved);
  std::fprintf(terminal, "\n");
  std::fclose(terminal);
  return line;
}

json receipt_json(const chain::Receipt& receipt, client::ContractAbis* abis) {
  json events = json::array();
  for (const auto& event : receipt.events) {
    json entry = {{"contract", event.contract}, {"topic", event.topic}, {"data_hex", to_hex(event.data)}};
    events.push_back(abis != nullptr ? abis->with_decoded_data(std::move(entry)) : std::move(entry));
  }
  return {{"tx_hash", receipt.tx_hash.hex()},
          {"height", receipt.height},
          {"index", receipt.index},
          {"status", std::string(code_name(receipt.status))},
          {"status_code", static_cast<int>(receipt.status)},
          {"message", receipt.message},
          {"gas_used", receipt.gas_used},
          {"return_hex", to_hex(receipt.return_data)},
          {"events", std::move(events)}};
}

std::string event_text(const json& event) {
  auto text = [&event](const char* key) {
    return event.is_object() && event.contains(key) && event[key].is_string() ? event[key].get<std::string>()
                                                                              : std::string();
  };
  const std::string contract = text("contract");
  const bool decoded = event.is_object() && event.contains("data");
  return (contract.empty() ? std::string("(system)") : contract) + " " + text("topic") + " " +
         (decoded ? event["data"].dump(-1, ' ', false, json::error_handler_t::replace) : text("data_hex"));
}

std::string format_time_ms(int64_t time_ms) {
  std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm utc{};
  if (::gmtime_r(&seconds, &utc) == nullptr) return std::to_string(time_ms) + " ms";
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  char milliseconds[8];
  std::snprintf(milliseconds, sizeof(milliseconds), ".%03dZ", static_cast<int>(time_ms % 1000));
  return std::string(text) + milliseconds;
}

Result<PublicKey> parse_account(const std::string& text) {
  if (text.size() == 64 && text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos)
    return PublicKey::from_hex_string(text);
  auto info = client::inspect_key_file(text);
  if (info.ok()) return info->public_key;
  return error(Code::invalid_argument,
               "'" + text + "' is neither a public key (64 hex digits) nor a readable key file");
}

}  // namespace govchain::cli
