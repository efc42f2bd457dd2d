// The chain's text rules: every text field of a transaction is valid UTF-8,
// bounded, and of the form its field allows, checked statelessly when the
// transaction enters (chain::check_tx_content, the field checks of
// chain::check_tx and check_tx_stateless, calls check_tx_text first).
//
// Why at admission: the node stores and serves these texts (blocks,
// receipts, the JSON API, WebSocket events). A text that is not UTF-8 makes
// JSON serialisers fail long after the transaction was accepted, so it must
// never get in. Error messages name the field and the rule, never the
// offending bytes, so that they are safe to put into JSON themselves.
//
// Field rules (docs/api.md, "Text fields"):
// - the chain id: 1-64 bytes of UTF-8 without control characters (it must
//   then equal the node's own);
// - identifiers (municipality ids, contract names, roles, owners): 1-64 of
//   a-z 0-9 '-' '_' '.' (chain::is_valid_name);
// - method names: 1-64 of A-Z a-z 0-9 '_' '.' '-';
// - display names: 1-256 bytes of UTF-8 without control characters;
// - ABI JSON: at most chain::abi_size_bytes_max bytes of UTF-8 without
//   control characters other than tab, line feed and carriage return.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "chain/tx.h"
#include "core/status.h"

namespace govchain::chain {

inline constexpr size_t method_size_bytes_max = 64;

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);
// Valid UTF-8 without C0 or C1 control characters and without DEL;
// `allow_whitespace` admits tab, line feed and carriage return.
bool is_printable_text(std::string_view text, bool allow_whitespace = false);
bool is_valid_method_name(std::string_view method);
// `text` with every byte that does not begin a well-formed UTF-8 sequence
// replaced by U+FFFD, so that text from contracts (abort messages) and from
// storage can always be serialised as JSON. Deterministic.
std::string to_valid_utf8(std::string_view text);

// Code::invalid naming the first field that breaks its rule.
Status check_action_text(const Action& action);
Status check_tx_text(const Tx& tx);

}  // namespace govchain::chain
