#include "chain/text.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace govchain::chain {

namespace {

// Length of the UTF-8 sequence that starts with `lead`, or 0 when `lead`
// cannot start one (a continuation byte, or 0xC0, 0xC1, 0xF5..0xFF).
size_t sequence_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Decodes the code point at `text[position]`; nullopt-like -1 when the
// sequence is malformed (RFC 3629: overlong forms, surrogates and values
// above U+10FFFF are malformed).
int32_t decode_at(std::string_view text, size_t position, size_t& length) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[position + i]); };
  length = sequence_length(byte(0));
  if (length == 0 || position + length > text.size()) return -1;
  if (length == 1) return byte(0);
  int32_t code_point = byte(0) & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return -1;
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  static constexpr int32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < smallest[length] || code_point > 0x10FFFF) return -1;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return -1;
  return code_point;
}

bool is_control(int32_t code_point) { return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F); }

bool is_identifier_char(char c, bool allow_upper) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         (allow_upper && c >= 'A' && c <= 'Z');
}

Status field_error(std::string_view field, std::string_view rule) {
  return error(Code::invalid, std::string(field) + " " + std::string(rule));
}

constexpr std::string_view identifier_rule = "must be 1-64 characters of a-z, 0-9, '-', '_', '.'";

Status check_identifier(std::string_view field, std::string_view value) {
  return is_valid_name(value) ? Status() : field_error(field, identifier_rule);
}

Status check_display_name(std::string_view field, std::string_view value, bool may_be_empty) {
  if (value.empty()) return may_be_empty ? Status() : field_error(field, "must not be empty");
  if (value.size() > municipality_name_size_bytes_max)
    return field_error(field, "must be at most " + std::to_string(municipality_name_size_bytes_max) + " bytes");
  if (!is_printable_text(value)) return field_error(field, "must be UTF-8 text without control characters");
  return Status();
}

Status check_abi_text(std::string_view field, std::string_view value) {
  if (value.size() > abi_size_bytes_max)
    return field_error(field, "must be at most " + std::to_string(abi_size_bytes_max) + " bytes");
  if (!is_printable_text(value, true))
    return field_error(field, "must be UTF-8 text without control characters other than tab and line breaks");
  return Status();
}

Status check_proposal_text(const ContractProposal& proposal) {
  GOVCHAIN_TRY(check_identifier("contract name", proposal.contract));
  GOVCHAIN_TRY(check_abi_text("ABI", proposal.abi_json));
  if (!proposal.owner.empty()) GOVCHAIN_TRY(check_identifier("owner municipality id", proposal.owner));
  return Status();
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  size_t position = 0;
  while (position < text.size()) {
    size_t length = 0;
    if (decode_at(text, position, length) < 0) return false;
    position += length;
  }
  return true;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t position = 0;
  while (position < text.size()) {
    size_t length = 0;
    if (decode_at(text, position, length) < 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      position += 1;
      continue;
    }
    out.append(text.substr(position, length));
    position += length;
  }
  return out;
}

bool is_printable_text(std::string_view text, bool allow_whitespace) {
  size_t position = 0;
  while (position < text.size()) {
    size_t length = 0;
    int32_t code_point = decode_at(text, position, length);
    if (code_point < 0) return false;
    bool whitespace = code_point == '\t' || code_point == '\n' || code_point == '\r';
    if (is_control(code_point) && !(allow_whitespace && whitespace)) return false;
    position += length;
  }
  return true;
}

bool is_valid_method_name(std::string_view method) {
  if (method.empty() || method.size() > method_size_bytes_max) return false;
  return std::all_of(method.begin(), method.end(), [](char c) { return is_identifier_char(c, true); });
}

Status check_action_text(const Action& action) {
  if (const auto* grant = std::get_if<RoleGrant>(&action)) {
    GOVCHAIN_TRY(check_identifier("municipality id", grant->municipality));
    return check_identifier("role", grant->role);
  }
  if (const auto* revoke = std::get_if<RoleRevoke>(&action)) {
    GOVCHAIN_TRY(check_identifier("municipality id", revoke->municipality));
    return check_identifier("role", revoke->role);
  }
  if (const auto* deploy = std::get_if<ContractDeploy>(&action)) {
    GOVCHAIN_TRY(check_identifier("contract name", deploy->name));
    GOVCHAIN_TRY(check_identifier("municipality id", deploy->municipality));
    return check_abi_text("ABI", deploy->abi_json);
  }
  if (const auto* call = std::get_if<ContractCall>(&action)) {
    GOVCHAIN_TRY(check_identifier("contract name", call->contract));
    if (!is_valid_method_name(call->method))
      return field_error("method", "must be 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'");
    return Status();
  }
  if (const auto* proposal = std::get_if<ValidatorProposal>(&action)) {
    GOVCHAIN_TRY(check_identifier("municipality id", proposal->municipality));
    return check_display_name("municipality display name", proposal->name, true);
  }
  if (const auto* proposal = std::get_if<ContractProposal>(&action)) return check_proposal_text(*proposal);
  return Status();  // evidence and votes carry no text
}

Status check_tx_text(const Tx& tx) {
  // The chain id is compared with the node's own next; it only has to be
  // text that an error message may quote.
  if (tx.chain_id.empty() || tx.chain_id.size() > chain_id_size_bytes_max || !is_printable_text(tx.chain_id))
    return field_error("chain id", "must be 1-64 bytes of UTF-8 text without control characters");
  return check_action_text(tx.action);
}

}  // namespace govchain::chain
