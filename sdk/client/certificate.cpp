#include "client/certificate.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "client/bundle.h"
#include "client/keys.h"
#include "client/local_time.h"
#include "client/state_layout.h"
#include "client/verify_link.h"
#include "codec/codec.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"

namespace govchain::client {

namespace {

using json = nlohmann::json;

constexpr int64_t safe_integer_max = (int64_t{1} << 53) - 1;
constexpr size_t text_size_bytes_max = 64 * 1024;
constexpr size_t history_size_max = 200;

// Refuses numbers that have more than one sensible text form.
Status check_numbers(const json& value) {
  if (value.is_number_float())
    return error(Code::invalid_argument, "the document contains a fractional number; use an integer or a string");
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(safe_integer_max))
    return error(Code::invalid_argument, "the document contains an integer above 2^53-1; use a string");
  if (value.is_number_integer() && !value.is_number_unsigned() && value.get<int64_t>() < -safe_integer_max)
    return error(Code::invalid_argument, "the document contains an integer below -(2^53-1); use a string");
  if (value.is_structured())
    for (const auto& element : value) GOVCHAIN_TRY(check_numbers(element));
  return Status();
}

// Parses JSON and refuses duplicate member names (nlohmann keeps the last).
Result<json> parse_strict(std::string_view text) {
  std::vector<std::set<std::string>> open_objects;
  bool duplicate = false;
  auto callback = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == json::parse_event_t::key && !open_objects.empty() &&
        !open_objects.back().insert(parsed.get<std::string>()).second)
      duplicate = true;
    return true;
  };
  try {
    json value = json::parse(text.begin(), text.end(), callback);
    if (duplicate) return error(Code::invalid_argument, "the document has a member name twice in one object");
    return value;
  } catch (const json::exception& failure) {
    return error(Code::invalid_argument, std::string("not valid JSON: ") + failure.what());
  }
}

Result<Hash> hash_field(const json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_string())
    return error(Code::malformed, std::string("certificate file: field '") + name + "' missing or not a string");
  auto value = Hash::from_hex_string(object[name].get<std::string>());
  if (!value.ok())
    return error(Code::malformed, std::string("certificate file: field '") + name + "': " + value.status().message());
  return *value;
}

Result<std::string> text_field(const json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_string() || object[name].get<std::string>().empty())
    return error(Code::malformed, std::string("certificate file: field '") + name + "' missing or not a text");
  return object[name].get<std::string>();
}

// The optional fields of a file that verifies offline: the bundle (base32),
// the trust anchor it starts from, and the portal of the QR link.
Status read_bundle_fields(const json& file, CertificateFile& certificate) {
  if (file.contains("portal_url")) {
    if (!file["portal_url"].is_string()) return error(Code::malformed, "certificate file: 'portal_url' is not a text");
    certificate.portal_url = file["portal_url"].get<std::string>();
  }
  if (file.contains("trust_anchor")) {
    auto anchor = trust_anchor_from_json(file["trust_anchor"].dump());
    if (!anchor.ok()) return error(Code::malformed, "certificate file: " + anchor.status().message());
    certificate.trust_anchor = std::move(*anchor);
  }
  if (file.contains("bundle")) {
    if (!file["bundle"].is_string()) return error(Code::malformed, "certificate file: 'bundle' is not a text");
    auto bundle = base32_decode(file["bundle"].get<std::string>());
    if (!bundle.ok()) return error(Code::malformed, "certificate file: 'bundle': " + bundle.status().message());
    certificate.bundle = std::move(*bundle);
  }
  return Status();
}

// Howard Hinnant's days_from_civil: days since 1970-01-01 (proleptic Gregorian).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// "Z", "+HH:MM", "-HH:MM", or "" (UTC) -> offset east of UTC in minutes.
Result<int64_t> parse_offset_minutes(std::string_view zone) {
  if (zone == "Z") return int64_t{0};
  unsigned hours = 0, minutes = 0;
  char sign = 0;
  int consumed = 0;
  std::string text(zone);
  if (std::sscanf(text.c_str(), "%c%2u:%2u%n", &sign, &hours, &minutes, &consumed) != 3 ||
      static_cast<size_t>(consumed) != text.size() || (sign != '+' && sign != '-') || hours > 23 || minutes > 59)
    return error(Code::invalid_argument, "time zone must be Z or +HH:MM / -HH:MM, got '" + text + "'");
  int64_t offset = hours * 60 + minutes;
  return sign == '-' ? -offset : offset;
}

}  // namespace

Result<std::string> canonical_json(std::string_view json_text) {
  GOVCHAIN_ASSIGN_OR_RETURN(json value, parse_strict(json_text));
  if (!value.is_object()) return error(Code::invalid_argument, "a document must be a JSON object");
  GOVCHAIN_TRY(check_numbers(value));
  try {
    return value.dump(-1, ' ', false, json::error_handler_t::strict);
  } catch (const json::exception& failure) {
    return error(Code::invalid_argument, std::string("the document is not valid UTF-8: ") + failure.what());
  }
}

Hash compute_commitment(const Hash& salt, std::string_view canonical_document) {
  Bytes message = salt.bytes();
  message.insert(message.end(), canonical_document.begin(), canonical_document.end());
  return crypto::tagged_hash(crypto::tags::commitment, message);
}

Result<CertificateFile> new_certificate(std::string type, std::string contract, std::string chain_id,
                                        std::string issuer_municipality, std::string_view document_json) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string canonical, canonical_json(document_json));
  CertificateFile certificate;
  certificate.type = std::move(type);
  certificate.contract = std::move(contract);
  certificate.chain_id = std::move(chain_id);
  certificate.issuer_municipality = std::move(issuer_municipality);
  certificate.id = crypto::random_32();
  certificate.salt = crypto::random_32();
  certificate.document_json = std::move(canonical);
  return certificate;
}

std::string certificate_to_json(const CertificateFile& certificate) {
  const std::string qr = certificate.portal_url.empty()
                             ? reference_to_text(reference_of(certificate))
                             : verify_link(certificate.portal_url, payload_of(certificate, false));
  json file = {{"govchain_certificate", certificate_file_format_version},
               {"type", certificate.type},
               {"chain_id", certificate.chain_id},
               {"contract", certificate.contract},
               {"issuer_municipality", certificate.issuer_municipality},
               {"id", certificate.id.hex()},
               {"salt", certificate.salt.hex()},
               {"commitment", certificate.commitment().hex()},
               {"qr", qr},
               {"document", json::parse(certificate.document_json)}};
  if (!certificate.portal_url.empty()) file["portal_url"] = certificate.portal_url;
  if (certificate.trust_anchor) file["trust_anchor"] = json::parse(trust_anchor_to_json(*certificate.trust_anchor));
  if (!certificate.bundle.empty()) file["bundle"] = base32_encode(certificate.bundle);
  return file.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<CertificateFile> certificate_from_json(std::string_view text) {
  auto parsed = parse_strict(text);
  if (!parsed.ok()) return error(Code::malformed, "certificate file: " + parsed.status().message());
  const json& file = *parsed;
  if (!file.is_object() || !file.contains("govchain_certificate") || !file["govchain_certificate"].is_number_integer())
    return error(Code::malformed, "not a govchain certificate file (no 'govchain_certificate' version field)");
  if (file["govchain_certificate"].get<int64_t>() != certificate_file_format_version)
    return error(Code::malformed, "certificate file of an unknown format version");
  if (!file.contains("document") || !file["document"].is_object())
    return error(Code::malformed, "certificate file: field 'document' missing or not an object");
  CertificateFile certificate;
  GOVCHAIN_ASSIGN_OR_RETURN(certificate.type, text_field(file, "type"));
  GOVCHAIN_ASSIGN_OR_RETURN(certificate.chain_id, text_field(file, "chain_id"));
  GOVCHAIN_ASSIGN_OR_RETURN(certificate.contract, text_field(file, "contract"));
  GOVCHAIN_ASSIGN_OR_RETURN(certificate.issuer_municipality, text_field(file, "issuer_municipality"));
  GOVCHAIN_ASSIGN_OR_RETURN(certificate.id, hash_field(file, "id"));
  GOVCHAIN_ASSIGN_OR_RETURN(certificate.salt, hash_field(file, "salt"));
  auto canonical = canonical_json(file["document"].dump(-1, ' ', false, json::error_handler_t::replace));
  if (!canonical.ok()) return error(Code::malformed, "certificate file: " + canonical.status().message());
  certificate.document_json = std::move(*canonical);
  GOVCHAIN_TRY(read_bundle_fields(file, certificate));
  return certificate;
}

Result<CertificateFile> read_certificate_file(const std::string& path) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, read_small_file(path, certificate_file_size_bytes_max));
  auto certificate = certificate_from_json(text);
  if (!certificate.ok()) return certificate.status().with_context(path);
  return certificate;
}

Status write_certificate_file(const std::string& path, const CertificateFile& certificate) {
  const std::string text = certificate_to_json(certificate);
  int descriptor = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (descriptor < 0) {
    if (errno == EEXIST) return error(Code::already_exists, path + " exists; a certificate file is never overwritten");
    return error(Code::io_error, "cannot create " + path + ": " + std::strerror(errno));
  }
  size_t written = 0;
  while (written < text.size()) {
    ssize_t result = ::write(descriptor, text.data() + written, text.size() - written);
    if (result < 0 && errno == EINTR) continue;
    if (result <= 0) {
      ::close(descriptor);
      return error(Code::io_error, "cannot write " + path + ": " + std::strerror(errno));
    }
    written += static_cast<size_t>(result);
  }
  if (::close(descriptor) != 0) return error(Code::io_error, "cannot write " + path + ": " + std::strerror(errno));
  return Status();
}

Status update_certificate_file(const std::string& path, const CertificateFile& certificate) {
  GOVCHAIN_ASSIGN_OR_RETURN(CertificateFile existing, read_certificate_file(path));
  if (existing.id != certificate.id || existing.salt != certificate.salt ||
      existing.document_json != certificate.document_json || existing.chain_id != certificate.chain_id ||
      existing.contract != certificate.contract || existing.type != certificate.type)
    return error(Code::invalid, path + " holds another certificate; only its bundle may be replaced");
  const std::string temporary = path + ".updating";
  ::unlink(temporary.c_str());
  GOVCHAIN_TRY(write_certificate_file(temporary, certificate));
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    return error(Code::io_error, "cannot replace " + path + ": " + reason);
  }
  return Status();
}

Result<Hash> certificate_id_from(const std::string& file_or_hex) {
  if (file_or_hex.size() == 64 && file_or_hex.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos)
    return Hash::from_hex_string(file_or_hex);
  GOVCHAIN_ASSIGN_OR_RETURN(CertificateFile certificate, read_certificate_file(file_or_hex));
  return certificate.id;
}

// ---- Decoding the contract's answers --------------------------------------------

namespace {

Status decode_history_entry(codec::Reader& reader, HistoryEntry& entry) {
  GOVCHAIN_ASSIGN_OR_RETURN(entry.height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(entry.time_ms, reader.i64());
  GOVCHAIN_ASSIGN_OR_RETURN(entry.actor, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(entry.municipality, reader.text(text_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(entry.status, reader.text(text_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(entry.reason, reader.text(text_size_bytes_max));
  return Status();
}

Status decode_record_fields(codec::Reader& reader, CertificateRecord& record) {
  GOVCHAIN_ASSIGN_OR_RETURN(record.id, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(record.type, reader.text(text_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(record.issuer, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(record.issuer_municipality, reader.text(text_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(record.authority, reader.text(text_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(record.issuer_authorized, reader.boolean());
  GOVCHAIN_ASSIGN_OR_RETURN(record.municipality, reader.text(text_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(record.commitment, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(record.valid_from_ms, reader.i64());
  GOVCHAIN_ASSIGN_OR_RETURN(record.valid_until_ms, reader.i64());
  GOVCHAIN_ASSIGN_OR_RETURN(record.status, reader.text(text_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(history_size_max, 8 + 8 + 32 + 12));
  record.history.resize(count);
  for (auto& entry : record.history) GOVCHAIN_TRY(decode_history_entry(reader, entry));
  return Status();
}

}  // namespace

Result<CertificateRecord> decode_certificate_record(ByteView bytes) {
  codec::Reader reader(bytes);
  CertificateRecord record;
  Status decoded = decode_record_fields(reader, record);
  if (decoded.ok()) decoded = reader.finish();
  if (!decoded.ok()) return error(Code::malformed, "certificate record: " + decoded.message());
  return record;
}

Result<CertificateRecord> decode_stored_certificate_record(ByteView value) {
  constexpr uint8_t record_format_version = 1;
  if (value.empty() || value[0] != record_format_version)
    return error(Code::malformed, "stored certificate record: unknown format version (expected 1)");
  return decode_certificate_record(value.subspan(1));
}

Result<ContractVerdict> decode_contract_verdict(ByteView bytes) {
  codec::Reader reader(bytes);
  ContractVerdict answer;
  auto decode = [&]() -> Status {
    GOVCHAIN_ASSIGN_OR_RETURN(answer.verdict, reader.text(text_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(answer.reason, reader.text(text_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(answer.status, reader.text(text_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(answer.at_time_ms, reader.i64());
    GOVCHAIN_ASSIGN_OR_RETURN(answer.type, reader.text(text_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(answer.municipality, reader.text(text_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(answer.issuer, reader.fixed<32>());
    GOVCHAIN_ASSIGN_OR_RETURN(answer.issuer_municipality, reader.text(text_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(answer.valid_from_ms, reader.i64());
    GOVCHAIN_ASSIGN_OR_RETURN(answer.valid_until_ms, reader.i64());
    return reader.finish();
  };
  Status decoded = decode();
  if (!decoded.ok()) return error(Code::malformed, "verification answer: " + decoded.message());
  return answer;
}

// ---- QR reference ------------------------------------------------------------

CertificateReference reference_of(const CertificateFile& certificate) {
  return {certificate.chain_id, certificate.contract, certificate.id, certificate.commitment()};
}

std::string reference_to_text(const CertificateReference& reference) {
  return "govchain:1:" + reference.chain_id + ":" + reference.contract + ":" + reference.id.hex() + ":" +
         reference.commitment.hex();
}

Result<CertificateReference> reference_from_text(std::string_view text) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t field = 0; field < 7 && start <= text.size(); ++field) {
    size_t end = text.find(':', start);
    if (end == std::string_view::npos) end = text.size();
    fields.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (fields.size() != 6 || start <= text.size())
    return error(Code::invalid_argument,
                 "a govchain QR text has six fields: govchain:1:<chain id>:<contract>:<id hex>:<commitment hex>");
  if (fields[0] != "govchain" || fields[1] != "1")
    return error(Code::invalid_argument, "not a govchain QR text of version 1 (it must start with 'govchain:1:')");
  if (fields[2].empty() || fields[3].empty())
    return error(Code::invalid_argument, "the QR text names no chain id or no contract");
  CertificateReference reference{fields[2], fields[3], {}, {}};
  auto id = Hash::from_hex_string(fields[4]);
  if (!id.ok()) return id.status().with_context("certificate id in the QR text");
  auto commitment = Hash::from_hex_string(fields[5]);
  if (!commitment.ok()) return commitment.status().with_context("commitment in the QR text");
  reference.id = *id;
  reference.commitment = *commitment;
  return reference;
}

// ---- Verification --------------------------------------------------------------

namespace {

Bytes verify_arguments(const CertificateReference& reference, const VerifyOptions& options) {
  codec::Writer writer;
  writer.fixed(reference.id);
  writer.fixed(reference.commitment);
  writer.i64(options.at_time_ms);
  if (!options.zone.empty()) writer.text(options.zone);
  return writer.take();
}

Result<Bytes> run_query(const Client& client, const std::string& contract, const std::string& method,
                        ByteView arguments) {
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, client.query(contract, method, arguments));
  if (receipt.status != Code::ok)
    return error(receipt.status, "contract '" + contract + "' refused the query " + method + ": " + receipt.message);
  return receipt.return_data;
}

Status check_chain(const Client& client, const std::string& chain_id) {
  GOVCHAIN_ASSIGN_OR_RETURN(NodeStatus status, client.status());
  if (status.chain_id != chain_id)
    return error(Code::wrong_chain, "the certificate is for chain '" + chain_id + "' but the node serves '" +
                                        status.chain_id + "'; ask a node of that chain");
  return Status();
}

}  // namespace

namespace {

// The status the history gives at `time_ms` (the last change at or before
// it); empty before the first entry.
std::string status_at(const CertificateRecord& record, int64_t time_ms) {
  std::string status;
  for (const auto& entry : record.history)
    if (entry.time_ms <= time_ms) status = entry.status;
  return status;
}

Status contradiction(const std::string& what) {
  return error(Code::invalid, "the node's answer contradicts the record proven by the state proof: " + what);
}

Status check_lifecycle(const ContractVerdict& answer, const CertificateRecord& proven) {
  const std::string status = status_at(proven, answer.at_time_ms);
  if (answer.verdict == "valid") {
    const bool inside = proven.valid_from_ms <= answer.at_time_ms &&
                        (proven.valid_until_ms == 0 || answer.at_time_ms < proven.valid_until_ms);
    if (status != "active" || !inside || !proven.issuer_authorized)
      return contradiction("valid, but the proven record is '" + status +
                           "', outside its window or not authorised then");
  }
  for (const char* final_status : {"suspended", "revoked", "consumed"})
    if (answer.verdict == final_status && status != final_status)
      return contradiction(answer.verdict + ", but the proven history says '" + status + "' then");
  return Status();
}

}  // namespace

Status check_answer_against_proof(const VerificationReport& report, const CertificateReference& reference,
                                  const std::optional<Bytes>& proven_value) {
  const ContractVerdict& answer = report.answer;
  if (!proven_value) {
    if (answer.verdict != "unknown_id") return contradiction(answer.verdict + ", but no record with this id exists");
    return Status();
  }
  if (answer.verdict == "unknown_id") return contradiction("unknown id, but the record exists");
  auto proven = decode_stored_certificate_record(*proven_value);
  if (!proven.ok()) return proven.status().with_context("proven certificate record");
  if (proven->id != reference.id) return contradiction("the proven record has another id");
  if (!report.record || !(*report.record == *proven))
    return contradiction("the certificate query returned another record (status, history or facts differ)");
  const bool commitment_matches = proven->commitment == reference.commitment;
  if (commitment_matches == (answer.verdict == "commitment_mismatch"))
    return contradiction(answer.verdict + ", but the proven commitment " +
                         (commitment_matches ? "matches" : "does not match"));
  return check_lifecycle(answer, *proven);
}

namespace {

// The contract's answers (verify and certificate queries), not yet proven.
Result<VerificationReport> ask_contract(const Client& client, const CertificateReference& reference,
                                        const VerifyOptions& options) {
  const std::string method = options.zone.empty() ? "verify" : "verify_in_zone";
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes answer_bytes,
                            run_query(client, reference.contract, method, verify_arguments(reference, options)));
  VerificationReport report;
  report.contract = reference.contract;
  GOVCHAIN_ASSIGN_OR_RETURN(report.answer, decode_contract_verdict(answer_bytes));
  report.valid = report.answer.verdict == "valid";
  if (report.answer.verdict != "unknown_id") {
    codec::Writer id;
    id.fixed(reference.id);
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes record_bytes, run_query(client, reference.contract, "certificate", id.data()));
    GOVCHAIN_ASSIGN_OR_RETURN(report.record, decode_certificate_record(record_bytes));
  }
  report.explanation = explain_verdict(report.answer);
  return report;
}

// Asks the contract, then reads the record with a proof and checks the
// answer against it.
Result<VerificationReport> ask_and_prove(const Client& client, const CertificateReference& reference,
                                         const VerifyOptions& options) {
  GOVCHAIN_ASSIGN_OR_RETURN(VerificationReport report, ask_contract(client, reference, options));
  GOVCHAIN_ASSIGN_OR_RETURN(
      report.proof, client.read_state_proven(certificate_record_key(reference.contract, reference.id), options.trust));
  GOVCHAIN_TRY(check_answer_against_proof(report, reference, report.proof.value));
  return report;
}

}  // namespace

Result<VerificationReport> verify_reference(const Client& client, const CertificateReference& reference,
                                            const VerifyOptions& options) {
  GOVCHAIN_TRY(check_chain(client, reference.chain_id));
  auto report = ask_and_prove(client, reference, options);
  // A block between the queries and the proof may change the record; one
  // more round settles that. A second contradiction is the node's.
  if (!report.ok() && report.status().code() == Code::invalid) report = ask_and_prove(client, reference, options);
  return report;
}

Result<VerificationReport> verify_certificate(const Client& client, const CertificateFile& certificate,
                                              const VerifyOptions& options) {
  auto report = verify_reference(client, reference_of(certificate), options);
  if (report.ok()) report->checked_document = true;
  return report;
}

std::string explain_verdict(const ContractVerdict& answer) {
  const std::string at = format_time_local(answer.at_time_ms);
  const std::string& verdict = answer.verdict;
  if (verdict == "valid")
    return "the record on the chain is active and inside its validity window at " + at +
           ", and the issuer held the required authority when it issued";
  if (verdict == "unknown_id") return "no certificate with this id exists on the chain (in this contract)";
  if (verdict == "commitment_mismatch")
    return "the document or its salt does not match the record: the file was altered, or it belongs to another "
           "certificate";
  if (verdict == "issuer_lacked_role") return "the issuer did not hold '" + answer.reason + "' when it issued";
  if (verdict == "not_yet_valid" && answer.reason == "not_issued_yet")
    return "the certificate had not been issued yet at " + at;
  if (verdict == "not_yet_valid")
    return "not valid yet: its validity starts at " + format_time_local(answer.valid_from_ms);
  if (verdict == "expired" && answer.reason == "insurance_expired")
    return "expired: the liability insurance recorded for this permit had ended by " + at;
  if (verdict == "expired") return "expired: its validity ended at " + format_time_local(answer.valid_until_ms);
  if (verdict == "suspended") return "suspended by the controlling office (reason code " + answer.reason + ")";
  if (verdict == "revoked") return "revoked (reason code " + answer.reason + ")";
  if (verdict == "consumed") return "already used: it was consumed (reason code " + answer.reason + ")";
  if (verdict == "wrong_zone") return "the permit is for zone '" + answer.reason + "', not for the zone asked about";
  if (verdict == "bundle_invalid") return "the proof of the record does not hold: " + answer.reason;
  if (verdict == "untrusted_anchor")
    return "the proof starts from a trust anchor (" + answer.reason + ") that this verifier does not trust";
  if (verdict == "wrong_chain")
    return "the certificate belongs to another chain than the trust anchor ('" + answer.reason + "')";
  return "the contract answered '" + verdict + "'" + (answer.reason.empty() ? "" : " (" + answer.reason + ")");
}

// ---- Time ----------------------------------------------------------------------

namespace {

// A time argument split into its parts; offset_minutes nullopt: local time.
struct TimeText {
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millisecond = 0;
  bool date_only = true;
  std::optional<int64_t> offset_minutes;
};

Status read_clock(std::string_view clock_text, TimeText& time, size_t& consumed) {
  std::string clock(clock_text);
  int time_consumed = 0;
  if (std::sscanf(clock.c_str(), "%2u:%2u%n", &time.hour, &time.minute, &time_consumed) != 2 || time_consumed != 5)
    return error(Code::invalid_argument, "time of day must be HH:MM[:SS[.mmm]]");
  if (clock.size() > 5 && clock[5] == ':') {
    int seconds_consumed = 0;
    if (std::sscanf(clock.c_str() + 6, "%2u%n", &time.second, &seconds_consumed) != 1 || seconds_consumed != 2)
      return error(Code::invalid_argument, "seconds must have two digits");
    time_consumed = 8;
    if (clock.size() > 8 && clock[8] == '.') {
      int fraction_consumed = 0;
      if (std::sscanf(clock.c_str() + 9, "%3u%n", &time.millisecond, &fraction_consumed) != 1)
        return error(Code::invalid_argument, "a fraction of a second needs digits");
      for (int digits = fraction_consumed; digits < 3; ++digits) time.millisecond *= 10;  // ".5" is 500 ms
      time_consumed = 9 + fraction_consumed;
    }
  }
  consumed = static_cast<size_t>(time_consumed);
  return Status();
}

Result<TimeText> read_time_text(std::string_view text) {
  TimeText time;
  std::string value(text);
  int consumed = 0;
  if (std::sscanf(value.c_str(), "%4u-%2u-%2u%n", &time.year, &time.month, &time.day, &consumed) != 3 || consumed != 10)
    return error(Code::invalid_argument,
                 "time must be ISO 8601 (2026-12-07T15:30, local time in Europe/Berlin, "
                 "or with Z or +01:00) or ms since 1970, got '" +
                     value + "'");
  std::string_view rest = text.substr(10);
  if (!rest.empty() && (rest[0] == 'T' || rest[0] == ' ')) {
    size_t clock_consumed = 0;
    Status clock = read_clock(rest.substr(1), time, clock_consumed);
    if (!clock.ok()) return clock.with_context("'" + value + "'");
    time.date_only = false;
    rest = rest.substr(1 + clock_consumed);
  }
  if (time.month < 1 || time.month > 12 || time.day < 1 || time.day > 31 || time.hour > 23 || time.minute > 59 ||
      time.second > 59)
    return error(Code::invalid_argument, "not a valid date and time: '" + value + "'");
  if (!rest.empty()) {
    if (time.date_only) return error(Code::invalid_argument, "a date alone takes no offset: '" + value + "'");
    GOVCHAIN_ASSIGN_OR_RETURN(time.offset_minutes, parse_offset_minutes(rest));
  }
  return time;
}

Result<int64_t> resolve_time(std::string_view text, bool end_of_day) {
  if (all_digits(text)) {
    if (text.size() > 15) return error(Code::invalid_argument, "time in ms is too large");
    return static_cast<int64_t>(std::stoll(std::string(text)));
  }
  GOVCHAIN_ASSIGN_OR_RETURN(TimeText time, read_time_text(text));
  const int year = static_cast<int>(time.year);
  if (time.date_only && end_of_day) return local_day_end_ms(year, time.month, time.day);
  if (!time.offset_minutes)
    return local_time_ms(year, time.month, time.day, time.hour, time.minute, time.second, time.millisecond);
  int64_t seconds =
      days_from_civil(year, time.month, time.day) * 86400 + time.hour * 3600 + time.minute * 60 + time.second;
  return (seconds - *time.offset_minutes * 60) * 1000 + time.millisecond;
}

}  // namespace

Result<int64_t> parse_time_ms(std::string_view text) { return resolve_time(text, false); }

Result<int64_t> parse_end_time_ms(std::string_view text) { return resolve_time(text, true); }

std::string format_time_utc(int64_t time_ms) {
  std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm utc{};
  if (::gmtime_r(&seconds, &utc) == nullptr) return std::to_string(time_ms) + " ms";
  char text[40];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  char milliseconds[8];
  std::snprintf(milliseconds, sizeof(milliseconds), ".%03dZ", static_cast<int>(time_ms % 1000));
  return std::string(text) + milliseconds;
}

}  // namespace govchain::client
