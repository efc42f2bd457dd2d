// Archive proof files (archive.h; docs/archive.md section 4): the JSON form
// of a proof, reading and writing proof files.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "client/archive.h"
#include "client/bundle.h"

namespace govchain::client::archive {

namespace {

using json = nlohmann::json;

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char character : text) {
    const auto byte = static_cast<unsigned char>(character);
    if (character == '"' || character == '\\') {
      out.push_back('\\');
      out.push_back(character);
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", byte);
      out += escaped;
    } else {
      out.push_back(character);
    }
  }
  out.push_back('"');
}

void append_field(std::string& out, std::string_view indent, std::string_view name, std::string_view text) {
  out += indent;
  append_json_string(out, name);
  out += ": ";
  append_json_string(out, text);
  out += ",\n";
}

void append_number(std::string& out, std::string_view indent, std::string_view name, std::string_view number) {
  out += indent;
  append_json_string(out, name);
  out += ": ";
  out += number;
  out += ",\n";
}

// Written by hand rather than through nlohmann::json: a batch of a million
// documents writes a million proofs, and this is several times faster.
void append_proof_json(std::string& out, const Proof& proof, std::string_view indent) {
  const std::string inner = std::string(indent) + "  ";
  out += "{\n";
  append_field(out, inner, "format", proof_format);
  append_number(out, inner, "version", std::to_string(proof_format_version));
  append_field(out, inner, "chain_id", proof.chain_id);
  append_field(out, inner, "contract", proof.contract);
  append_field(out, inner, "batch_id", proof.batch_id.hex());
  append_field(out, inner, "hash_algorithm", algorithm_name(proof.algorithm));
  append_field(out, inner, "document_hash", proof.document_hash.hex());
  if (proof.evidence_hash) append_field(out, inner, "evidence_hash", proof.evidence_hash->hex());
  append_number(out, inner, "leaf_index", std::to_string(proof.leaf_index));
  append_number(out, inner, "document_count", std::to_string(proof.document_count));
  out += inner + "\"path\": [";
  for (size_t index = 0; index < proof.path.size(); ++index) {
    out += index == 0 ? "\n" : ",\n";
    out += inner + "  {\"side\": \"";
    out += proof.path[index].side == Side::left ? "left" : "right";
    out += "\", \"hash\": \"" + proof.path[index].sibling.hex() + "\"}";
  }
  out += proof.path.empty() ? "],\n" : "\n" + inner + "],\n";
  append_field(out, inner, "root", proof.root.hex());
  out += inner + "\"anchor\": {\"tx_hash\": \"" + proof.anchor_tx_hash.hex() +
         "\", \"height\": " + std::to_string(proof.anchor_height) +
         ", \"time_ms\": " + std::to_string(proof.anchor_time_ms) + "}";
  if (!proof.bundle.empty()) {
    out += ",\n" + inner + "\"bundle\": \"" + base32_encode(proof.bundle) + "\"";
  }
  if (proof.trust_anchor) {
    out += ",\n" + inner + "\"trust_anchor\": " + json::parse(trust_anchor_to_json(*proof.trust_anchor)).dump();
  }
  if (proof.previous) {
    out += ",\n" + inner + "\"previous\": ";
    append_proof_json(out, *proof.previous, inner);
  }
  out += "\n" + std::string(indent) + "}";
}

template <size_t N>
Result<FixedBytes<N>> hex_field(const json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_string())
    return error(Code::malformed, std::string("proof field '") + name + "' is missing or not a string");
  auto value = FixedBytes<N>::from_hex_string(object[name].get<std::string>());
  if (!value.ok()) return value.status().with_context(std::string("proof field '") + name + "'");
  return *value;
}

Result<std::string> text_field(const json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_string())
    return error(Code::malformed, std::string("proof field '") + name + "' is missing or not a string");
  return object[name].get<std::string>();
}

Result<uint64_t> unsigned_field(const json& object, const char* name) {
  if (!object.contains(name) || !object[name].is_number_unsigned())
    return error(Code::malformed, std::string("proof field '") + name + "' is missing or not an unsigned number");
  return object[name].get<uint64_t>();
}

Result<std::vector<PathStep>> path_from_json(const json& object) {
  if (!object.contains("path") || !object["path"].is_array())
    return error(Code::malformed, "proof field 'path' is missing or not an array");
  if (object["path"].size() > path_length_max) return error(Code::malformed, "proof path is too long");
  std::vector<PathStep> path;
  for (const auto& entry : object["path"]) {
    if (!entry.is_object()) return error(Code::malformed, "a path entry is not an object");
    GOVCHAIN_ASSIGN_OR_RETURN(std::string side, text_field(entry, "side"));
    if (side != "left" && side != "right") return error(Code::malformed, "a path side is neither left nor right");
    GOVCHAIN_ASSIGN_OR_RETURN(Digest sibling, hex_field<32>(entry, "hash"));
    path.push_back({side == "left" ? Side::left : Side::right, sibling});
  }
  return path;
}

Status anchor_from_json(const json& object, Proof& proof) {
  if (!object.contains("anchor") || !object["anchor"].is_object())
    return error(Code::malformed, "proof field 'anchor' is missing or not an object");
  const json& anchor = object["anchor"];
  GOVCHAIN_ASSIGN_OR_RETURN(proof.anchor_tx_hash, hex_field<32>(anchor, "tx_hash"));
  GOVCHAIN_ASSIGN_OR_RETURN(proof.anchor_height, unsigned_field(anchor, "height"));
  if (!anchor.contains("time_ms") || !anchor["time_ms"].is_number_integer())
    return error(Code::malformed, "proof field 'anchor.time_ms' is missing or not an integer");
  proof.anchor_time_ms = anchor["time_ms"].get<int64_t>();
  return Status();
}

// The optional bundle of the step's batch record and its trust anchor.
Status bundle_from_json(const json& object, Proof& proof) {
  if (object.contains("bundle")) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string text, text_field(object, "bundle"));
    auto bundle = base32_decode(text);
    if (!bundle.ok()) return bundle.status().with_context("proof field 'bundle'");
    proof.bundle = std::move(*bundle);
  }
  if (object.contains("trust_anchor")) {
    auto anchor = trust_anchor_from_json(object["trust_anchor"].dump());
    if (!anchor.ok()) return anchor.status().with_context("proof field 'trust_anchor'");
    proof.trust_anchor = std::move(*anchor);
  }
  return Status();
}

Result<Proof> proof_from_object(const json& object, uint32_t depth) {
  if (!object.is_object()) return error(Code::malformed, "a proof is a JSON object");
  if (depth >= evidence_chain_length_max) return error(Code::malformed, "the evidence chain is too long");
  GOVCHAIN_ASSIGN_OR_RETURN(std::string format, text_field(object, "format"));
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t version, unsigned_field(object, "version"));
  if (format != proof_format || version != proof_format_version)
    return error(Code::malformed, "not a govchain archive proof of format version 1");
  Proof proof;
  GOVCHAIN_ASSIGN_OR_RETURN(proof.chain_id, text_field(object, "chain_id"));
  GOVCHAIN_ASSIGN_OR_RETURN(proof.contract, text_field(object, "contract"));
  GOVCHAIN_ASSIGN_OR_RETURN(proof.batch_id, hex_field<32>(object, "batch_id"));
  GOVCHAIN_ASSIGN_OR_RETURN(std::string algorithm, text_field(object, "hash_algorithm"));
  GOVCHAIN_ASSIGN_OR_RETURN(proof.algorithm, algorithm_from_name(algorithm));
  GOVCHAIN_ASSIGN_OR_RETURN(proof.document_hash, hex_field<32>(object, "document_hash"));
  if (object.contains("evidence_hash")) {
    GOVCHAIN_ASSIGN_OR_RETURN(Digest evidence, hex_field<32>(object, "evidence_hash"));
    proof.evidence_hash = evidence;
  }
  GOVCHAIN_ASSIGN_OR_RETURN(proof.leaf_index, unsigned_field(object, "leaf_index"));
  GOVCHAIN_ASSIGN_OR_RETURN(proof.document_count, unsigned_field(object, "document_count"));
  GOVCHAIN_ASSIGN_OR_RETURN(proof.path, path_from_json(object));
  GOVCHAIN_ASSIGN_OR_RETURN(proof.root, hex_field<32>(object, "root"));
  GOVCHAIN_TRY(anchor_from_json(object, proof));
  GOVCHAIN_TRY(bundle_from_json(object, proof));
  if (object.contains("previous")) {
    GOVCHAIN_ASSIGN_OR_RETURN(Proof previous, proof_from_object(object["previous"], depth + 1));
    proof.previous = std::make_shared<const Proof>(std::move(previous));
  }
  return proof;
}

}  // namespace

std::string proof_to_json(const Proof& proof) {
  std::string out;
  out.reserve(1024 + 96 * proof.path.size());
  append_proof_json(out, proof, "");
  out += "\n";
  return out;
}

Result<Proof> proof_from_json(std::string_view text) {
  if (text.size() > proof_file_size_bytes_max) return error(Code::too_large, "the proof is larger than 4 MiB");
  json object = json::parse(text, nullptr, false);
  if (object.is_discarded()) return error(Code::malformed, "the proof is not JSON");
  try {
    return proof_from_object(object, 0);
  } catch (const std::exception& failure) {
    return error(Code::malformed, std::string("the proof does not parse: ") + failure.what());
  }
}

Result<Proof> read_proof_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return error(Code::io_error, "cannot open proof file " + path.string());
  std::string text(proof_file_size_bytes_max + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(file.gcount()));
  auto proof = proof_from_json(text);
  if (!proof.ok()) return proof.status().with_context(path.string());
  return proof;
}

Status write_proof_file(const std::filesystem::path& path, const Proof& proof) {
  const std::string text = proof_to_json(proof);
  int descriptor = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (descriptor < 0) {
    Code code = errno == EEXIST ? Code::already_exists : Code::io_error;
    return error(code, "cannot create " + path.string() + ": " + std::strerror(errno));
  }
  size_t written = 0;
  while (written < text.size()) {
    ssize_t result = ::write(descriptor, text.data() + written, text.size() - written);
    if (result < 0 && errno == EINTR) continue;
    if (result <= 0) {
      std::string reason = std::strerror(errno);
      ::close(descriptor);
      return error(Code::io_error, "cannot write " + path.string() + ": " + reason);
    }
    written += static_cast<size_t>(result);
  }
  if (::close(descriptor) != 0) return error(Code::io_error, "cannot close " + path.string());
  return Status();
}

}  // namespace govchain::client::archive
