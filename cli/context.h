// What every `govchain` command shares: the global options, the node client,
// the signing key, the trust anchor for proofs, and one way to print results
// and failures. Command groups (commands_*.cpp) get a Context& when they
// register and use it from their callbacks.
//
// Output rules, for every command:
//  - success: human-readable text on stdout, or with --json one JSON document
//    on stdout; exit code 0;
//  - failure: "govchain: error: <code>: <message>" and a "hint:" line saying
//    what to do on stderr; exit code 1 (2 for command-line usage errors, which
//    CLI11 reports). With --json, a command that got a result (a failed
//    receipt) still prints it on stdout.
//
// Single-threaded: the CLI runs one command per process.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "client/client.h"
#include "client/contracts.h"
#include "client/keys.h"
#include "client/tx_builder.h"
#include "client/use_cases.h"

namespace govchain::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

struct GlobalOptions {
  std::string node_url = "http://127.0.0.1:26657";  // --node, env GOVCHAIN_NODE
  std::string key_path;                             // --key
  bool dev_key = false;                             // --dev-key, or env GOVCHAIN_DEV=1
  bool json = false;                                // --json
  uint64_t gas = client::default_gas_limit;         // --gas
  std::string genesis_path;                         // --genesis, env GOVCHAIN_GENESIS
  uint64_t timeout_ms = 10000;                      // --timeout-ms: one request
  uint64_t wait_ms = 30000;                         // --wait-ms: until a tx is committed
  bool dry_run = false;                             // --dry-run: sign and print, do not send
  std::string chain_id;                             // --chain-id: sign for this chain id
  std::string ca_file;                              // --ca-file, env GOVCHAIN_CA_FILE: CA for https nodes
  std::string passphrase_file;                      // --passphrase-file, env GOVCHAIN_PASSPHRASE_FILE
};

class Context {
 public:
  GlobalOptions options;
  int exit_code = exit_ok;

  // Wraps a command body: runs it when CLI11 selects the command and keeps
  // its exit code. Exceptions (none are expected) become exit_failure.
  std::function<void()> action(std::function<int()> body);

  Result<client::Client> client() const;
  // The key from --key: dev keys only with --dev-key or GOVCHAIN_DEV=1 (and
  // then with a warning on stderr); encrypted keys take the passphrase from
  // --passphrase-file, else GOVCHAIN_KEY_PASSPHRASE, else ask on the
  // terminal.
  Result<client::LoadedKey> signing_key() const;
  // The passphrase for a new key file: --passphrase-file, else
  // GOVCHAIN_KEY_PASSPHRASE, else asked twice on the terminal. At least
  // `size_min` characters.
  Result<std::string> new_passphrase(size_t size_min = 1) const;
  bool dev_keys_allowed() const;
  // Validators and chain id from --genesis when given; otherwise empty, so
  // the SDK takes them from the node (and says so).
  Result<client::TrustOptions> trust() const;
  // One line describing what a proof was checked against, for human output.
  std::string describe_proof(const client::ProvenState& proof) const;
  nlohmann::json proof_json(const client::ProvenState& proof) const;

  // Prints `machine` (with --json) or `human` on stdout; returns exit_ok.
  int emit(const nlohmann::json& machine, const std::string& human) const;
  // Prints the failure and a hint on stderr; returns exit_failure. Without
  // `hint`, the hint is the usual one for the status code.
  int fail(const Status& status, std::string_view doing, std::string_view hint = {}) const;

  // Signs `action` with `key`, submits it with the key's next nonce, waits
  // for the receipt and prints it. Non-zero when any step fails or the
  // receipt's status is not ok (with the receipt's message). Command groups
  // that send transactions use this.
  // `describe`, when given, runs on an ok receipt before printing and may
  // add to the JSON document and the human text (what the receipt means).
  using ReceiptDescriber =
      std::function<void(const chain::Receipt& receipt, nlohmann::json& machine, std::string& human)>;
  int send_transaction(const client::LoadedKey& key, chain::Action action, std::string_view what,
                       const ReceiptDescriber& describe = {}) const;
};

// What a command that signs and submits through the client SDK needs: the
// node, the --key key, and the SDK's submit options from --gas and --wait-ms.
struct Signer {
  client::Client node;
  client::LoadedKey key;
  client::SubmitOptions submit;
};
// Opens --key (see Context::signing_key) and the node; the first failure.
Result<Signer> open_signer(const Context& context);

// A status change (id, reason) of a certificate contract: revoke, suspend,
// reinstate. send_reason_change() reads the id from `certificate_text` (a
// certificate file or 64 hex digits), signs with --key, waits for the
// receipt, and prints {action, id, reason, height, tx_hash} or the sentence
// "<noun> <id> <done> in block <height> (reason code <reason>).<consequence>".
struct ReasonChange {
  const char* contract;  // e.g. client::contract_names::dogpermit
  const char* method;    // revoke, suspend, reinstate
  std::string certificate_text;
  std::string reason;       // a code, [a-z0-9_]{1,32}
  std::string noun;         // "Dangerous-dog permit"
  std::string done;         // "revoked"
  std::string consequence;  // " Officers checking it now see INVALID.", or empty
};
int send_reason_change(const Context& context, const ReasonChange& change);

// Asks on the controlling terminal without echo. Code::unavailable when there
// is no terminal.
Result<std::string> prompt_passphrase(std::string_view prompt);
bool stdin_is_terminal();

// JSON forms shared by commands (same shape as the node's API). With
// `abis`, each contract event whose topic its contract's ABI declares has
// "data" (decoded) beside "data_hex".
nlohmann::json receipt_json(const chain::Receipt& receipt, client::ContractAbis* abis = nullptr);
// "<contract> <topic> <data>" for people: the decoded data as JSON when the
// event JSON has it, else its hex; "(system)" for events of the chain.
std::string event_text(const nlohmann::json& event);
std::string format_time_ms(int64_t time_ms);
// Parses a public key given as 64 hex digits, or as a key file path.
Result<PublicKey> parse_account(const std::string& text);

// A command group's registration function: adds its subcommands to `app`.
using RegisterCommands = void (*)(CLI::App& app, Context& context);

}  // namespace govchain::cli
