#include "client/archive.h"

#include <crypto++/sha.h>
#include <crypto++/sha3.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/tx_builder.h"
#include "codec/codec.h"

namespace govchain::client::archive {

namespace {

// SHA-512/256 (FIPS 180-4 section 5.3.6.2): SHA-512's compression function
// with its own initial value, truncated to 32 bytes. Crypto++ 8.7 has no
// class for it; this follows the shape of its SHA384.
class Sha512Truncated256
    : public CryptoPP::IteratedHashWithStaticTransform<CryptoPP::word64, CryptoPP::BigEndian, 128, 64,
                                                       Sha512Truncated256, 32, true> {
 public:
  static void InitState(HashWordType* state) {
    static const CryptoPP::word64 initial[8] = {
        0x22312194FC2BF72CULL, 0x9F555FA3C84C64C2ULL, 0x2393B86B6F53B151ULL, 0x963877195940EABDULL,
        0x96283EE2A88EFFE3ULL, 0xBE5E1E2553863992ULL, 0x2B0199FC2C85B8AAULL, 0x0EB72DDC81C52CA2ULL};
    std::memcpy(state, initial, sizeof(initial));
  }
  static void Transform(CryptoPP::word64* digest, const CryptoPP::word64* data) {
    CryptoPP::SHA512::Transform(digest, data);
  }
  static const char* StaticAlgorithmName() { return "SHA-512/256"; }
};

// Calls `function` with a default-constructed Crypto++ hash of `algorithm`.
template <typename Function>
auto with_algorithm(HashAlgorithm algorithm, Function&& function) {
  switch (algorithm) {
    case HashAlgorithm::sha3_256:
      return function(CryptoPP::SHA3_256());
    case HashAlgorithm::sha512_256:
      return function(Sha512Truncated256());
    case HashAlgorithm::sha256:
    default:
      return function(CryptoPP::SHA256());
  }
}

std::unique_ptr<CryptoPP::HashTransformation> new_hash(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::sha3_256:
      return std::make_unique<CryptoPP::SHA3_256>();
    case HashAlgorithm::sha512_256:
      return std::make_unique<Sha512Truncated256>();
    case HashAlgorithm::sha256:
    default:
      return std::make_unique<CryptoPP::SHA256>();
  }
}

// The state after absorbing H(tag) || H(tag).
template <typename HashType>
HashType tag_prefix(std::string_view tag) {
  HashType hash;
  Digest tag_hash;
  hash.CalculateDigest(tag_hash.begin_mut(), reinterpret_cast<const uint8_t*>(tag.data()), tag.size());
  hash.Update(tag_hash.data.data(), tag_hash.size_bytes);
  hash.Update(tag_hash.data.data(), tag_hash.size_bytes);
  return hash;
}

template <typename HashType>
Digest finish_from(const HashType& prefix, ByteView first, ByteView second) {
  HashType hash = prefix;
  hash.Update(first.data(), first.size());
  if (!second.empty()) hash.Update(second.data(), second.size());
  Digest out;
  hash.Final(out.begin_mut());
  return out;
}

unsigned resolve_thread_count(unsigned thread_count) {
  if (thread_count != 0) return std::min(thread_count, 64u);
  return std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
}

// Runs work(index) for every index in [0, count) on up to `thread_count`
// threads; the calling thread reports progress. Returns the first failure.
Status run_parallel(uint64_t count, unsigned thread_count, const std::function<Status(uint64_t)>& work,
                    const ProgressFunction& progress) {
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> done{0};
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  Status failure;
  auto worker = [&] {
    for (uint64_t index = next++; index < count && !failed; index = next++) {
      Status status = work(index);
      if (!status.ok()) {
        std::lock_guard lock(failure_mutex);
        if (!failed.exchange(true)) failure = status;
      }
      ++done;
    }
  };
  std::vector<std::thread> threads;
  unsigned threads_total = std::max(1u, std::min<unsigned>(resolve_thread_count(thread_count),
                                                            static_cast<unsigned>(std::min<uint64_t>(count, 64))));
  for (unsigned thread = 0; thread < threads_total; ++thread) threads.emplace_back(worker);
  // Polls briefly so that small batches do not wait; reports once a second.
  auto last_report = std::chrono::steady_clock::now();
  while (progress && done.load() < count && !failed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (std::chrono::steady_clock::now() - last_report < std::chrono::seconds(1)) continue;
    last_report = std::chrono::steady_clock::now();
    if (done.load() < count && !failed) progress(done.load(), count);
  }
  for (auto& thread : threads) thread.join();
  if (progress && !failed) progress(count, count);
  return failure;
}

}  // namespace

std::string_view algorithm_name(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::sha3_256:
      return "sha3_256";
    case HashAlgorithm::sha512_256:
      return "sha512_256";
    case HashAlgorithm::sha256:
    default:
      return "sha256";
  }
}

Result<HashAlgorithm> algorithm_from_name(std::string_view name) {
  for (auto algorithm : {HashAlgorithm::sha256, HashAlgorithm::sha3_256, HashAlgorithm::sha512_256})
    if (algorithm_name(algorithm) == name) return algorithm;
  return error(Code::invalid_argument,
               "unknown hash algorithm '" + std::string(name) + "'; supported: sha256, sha3_256, sha512_256");
}

struct DocumentHasher::State {
  std::unique_ptr<CryptoPP::HashTransformation> hash;
};

DocumentHasher::DocumentHasher(HashAlgorithm algorithm)
    : algorithm_(algorithm), state_(std::make_unique<State>(State{new_hash(algorithm)})) {}
DocumentHasher::~DocumentHasher() = default;
DocumentHasher::DocumentHasher(DocumentHasher&&) noexcept = default;
DocumentHasher& DocumentHasher::operator=(DocumentHasher&&) noexcept = default;
void DocumentHasher::update(ByteView part) { state_->hash->Update(part.data(), part.size()); }
Digest DocumentHasher::finish() {
  Digest out;
  state_->hash->Final(out.begin_mut());
  return out;
}

Digest hash_bytes(HashAlgorithm algorithm, ByteView message) {
  return with_algorithm(algorithm, [&](auto hash) {
    Digest out;
    hash.CalculateDigest(out.begin_mut(), message.data(), message.size());
    return out;
  });
}

Digest tagged_digest(HashAlgorithm algorithm, std::string_view tag, ByteView message) {
  return with_algorithm(algorithm, [&](auto hash) {
    return finish_from(tag_prefix<decltype(hash)>(tag), message, ByteView());
  });
}

Digest leaf_digest(HashAlgorithm algorithm, const Digest& document_hash) {
  return tagged_digest(algorithm, tags::leaf, document_hash.view());
}

Digest renewal_leaf_digest(HashAlgorithm algorithm, const Digest& document_hash, const Digest& evidence_hash) {
  return with_algorithm(algorithm, [&](auto hash) {
    return finish_from(tag_prefix<decltype(hash)>(tags::renewal_leaf), document_hash.view(), evidence_hash.view());
  });
}

Digest node_digest(HashAlgorithm algorithm, const Digest& left, const Digest& right) {
  return with_algorithm(algorithm, [&](auto hash) {
    return finish_from(tag_prefix<decltype(hash)>(tags::node), left.view(), right.view());
  });
}

Result<std::vector<Digest>> hash_file(const std::filesystem::path& path, const std::vector<HashAlgorithm>& algorithms) {
  int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) return error(Code::io_error, "cannot open " + path.string() + ": " + std::strerror(errno));
  std::vector<DocumentHasher> hashers;
  for (auto algorithm : algorithms) hashers.emplace_back(algorithm);
  constexpr size_t buffer_size_bytes = 64 * 1024;
  std::vector<uint8_t> buffer(buffer_size_bytes);
  for (;;) {
    ssize_t read_bytes = ::read(descriptor, buffer.data(), buffer.size());
    if (read_bytes < 0 && errno == EINTR) continue;
    if (read_bytes < 0) {
      std::string reason = std::strerror(errno);
      ::close(descriptor);
      return error(Code::io_error, "cannot read " + path.string() + ": " + reason);
    }
    if (read_bytes == 0) break;
    for (auto& hasher : hashers) hasher.update(ByteView(buffer.data(), static_cast<size_t>(read_bytes)));
  }
  ::close(descriptor);
  std::vector<Digest> digests;
  for (auto& hasher : hashers) digests.push_back(hasher.finish());
  return digests;
}

Result<std::vector<std::vector<Digest>>> hash_files(const std::vector<std::filesystem::path>& paths,
                                                    const std::vector<HashAlgorithm>& algorithms,
                                                    unsigned thread_count, const ProgressFunction& progress) {
  std::vector<std::vector<Digest>> digests(paths.size());
  Status status = run_parallel(
      paths.size(), thread_count,
      [&](uint64_t index) {
        auto file_digests = hash_file(paths[index], algorithms);
        if (!file_digests.ok()) return file_digests.status();
        digests[index] = std::move(*file_digests);
        return Status();
      },
      progress);
  if (!status.ok()) return status;
  return digests;
}

Result<std::vector<Digest>> parse_hash_list(std::string_view text) {
  std::vector<Digest> digests;
  uint64_t line_number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    auto digest = Digest::from_hex_string(line);
    if (!digest.ok()) return digest.status().with_context("hash list line " + std::to_string(line_number));
    if (digests.size() >= document_count_max)
      return error(Code::too_large, "more than " + std::to_string(document_count_max) + " hashes in the list");
    digests.push_back(*digest);
  }
  if (digests.empty()) return error(Code::invalid_argument, "the hash list has no hashes");
  return digests;
}

namespace {

// Hashes pairs of `below` into `above` (promoting an odd last node) on
// several threads for large levels.
template <typename HashType>
void build_level(const HashType& node_prefix, const std::vector<Digest>& below, std::vector<Digest>& above) {
  const size_t pairs = below.size() / 2;
  above.resize((below.size() + 1) / 2);
  auto hash_range = [&](size_t begin, size_t end) {
    for (size_t pair = begin; pair < end; ++pair)
      above[pair] = finish_from(node_prefix, below[2 * pair].view(), below[2 * pair + 1].view());
  };
  const unsigned threads_total = pairs >= 65536 ? resolve_thread_count(0) : 1;
  std::vector<std::thread> threads;
  for (unsigned thread = 1; thread < threads_total; ++thread)
    threads.emplace_back(hash_range, pairs * thread / threads_total, pairs * (thread + 1) / threads_total);
  hash_range(0, pairs / threads_total);
  for (auto& thread : threads) thread.join();
  if (below.size() % 2 == 1) above.back() = below.back();
}

}  // namespace

Result<MerkleTree> MerkleTree::build(HashAlgorithm algorithm, std::vector<Digest> leaves) {
  if (leaves.empty()) return error(Code::invalid_argument, "a batch needs at least one document");
  if (leaves.size() > document_count_max)
    return error(Code::too_large, "a batch holds at most " + std::to_string(document_count_max) + " documents");
  std::vector<std::vector<Digest>> levels;
  levels.push_back(std::move(leaves));
  with_algorithm(algorithm, [&](auto hash) {
    const auto node_prefix = tag_prefix<decltype(hash)>(tags::node);
    while (levels.back().size() > 1) {
      std::vector<Digest> above;
      build_level(node_prefix, levels.back(), above);
      levels.push_back(std::move(above));
    }
    return 0;
  });
  return MerkleTree(algorithm, std::move(levels));
}

std::vector<PathStep> MerkleTree::path(uint64_t leaf_index) const {
  std::vector<PathStep> steps;
  uint64_t position = leaf_index;
  for (size_t level = 0; level + 1 < levels_.size(); ++level, position /= 2) {
    const uint64_t sibling = position ^ 1;
    if (sibling >= levels_[level].size()) continue;  // promoted: no sibling at this level
    steps.push_back({position % 2 == 1 ? Side::left : Side::right, levels_[level][sibling]});
  }
  return steps;
}

Result<std::vector<Side>> expected_sides(uint64_t leaf_index, uint64_t leaf_count) {
  if (leaf_count == 0 || leaf_count > document_count_max || leaf_index >= leaf_count)
    return error(Code::invalid_argument, "leaf index " + std::to_string(leaf_index) + " is outside a batch of " +
                                             std::to_string(leaf_count) + " documents");
  std::vector<Side> sides;
  for (uint64_t position = leaf_index, width = leaf_count; width > 1; position /= 2, width = (width + 1) / 2) {
    if ((position ^ 1) >= width) continue;
    sides.push_back(position % 2 == 1 ? Side::left : Side::right);
  }
  return sides;
}

Digest root_from_path(HashAlgorithm algorithm, const Digest& leaf, const std::vector<PathStep>& path) {
  Digest current = leaf;
  for (const auto& step : path)
    current = step.side == Side::left ? node_digest(algorithm, step.sibling, current)
                                      : node_digest(algorithm, current, step.sibling);
  return current;
}

namespace {

void encode_proof(codec::Writer& writer, const Proof& proof) {
  writer.u8(static_cast<uint8_t>(proof_format_version));
  writer.text(proof.chain_id);
  writer.text(proof.contract);
  writer.fixed(proof.batch_id);
  writer.text(algorithm_name(proof.algorithm));
  writer.fixed(proof.document_hash);
  writer.boolean(proof.evidence_hash.has_value());
  if (proof.evidence_hash) writer.fixed(*proof.evidence_hash);
  writer.u64(proof.leaf_index);
  writer.u64(proof.document_count);
  writer.count(proof.path.size());
  for (const auto& step : proof.path) {
    writer.u8(static_cast<uint8_t>(step.side));
    writer.fixed(step.sibling);
  }
  writer.fixed(proof.root);
  writer.fixed(proof.anchor_tx_hash);
  writer.u64(proof.anchor_height);
  writer.i64(proof.anchor_time_ms);
  writer.boolean(proof.previous != nullptr);
  if (proof.previous) encode_proof(writer, *proof.previous);
}

}  // namespace

Bytes canonical_proof_bytes(const Proof& proof) {
  codec::Writer writer;
  encode_proof(writer, proof);
  return writer.take();
}

Digest evidence_hash(HashAlgorithm algorithm, const Proof& previous) {
  return hash_bytes(algorithm, canonical_proof_bytes(previous));
}

Digest leaf_of(const Proof& proof) {
  if (proof.evidence_hash) return renewal_leaf_digest(proof.algorithm, proof.document_hash, *proof.evidence_hash);
  return leaf_digest(proof.algorithm, proof.document_hash);
}

}  // namespace govchain::client::archive

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

namespace govchain::client::archive {

namespace {

// Runs work(begin, end) over [0, count) split across threads for large counts.
void parallel_chunks(size_t count, const std::function<void(size_t, size_t)>& work) {
  const unsigned threads_total = count >= 65536 ? resolve_thread_count(0) : 1;
  std::vector<std::thread> threads;
  for (unsigned thread = 1; thread < threads_total; ++thread)
    threads.emplace_back(work, count * thread / threads_total, count * (thread + 1) / threads_total);
  work(0, count / threads_total);
  for (auto& thread : threads) thread.join();
}

Status check_renewed_proofs(const std::vector<std::shared_ptr<const Proof>>& previous_proofs, size_t document_count) {
  if (previous_proofs.size() != document_count)
    return error(Code::invalid_argument, "a re-anchoring needs one earlier proof per document");
  if (previous_proofs.front() == nullptr) return error(Code::invalid_argument, "an earlier proof is missing");
  const Proof& first = *previous_proofs.front();
  if (first.document_count != document_count)
    return error(Code::invalid_argument, "the earlier batch has " + std::to_string(first.document_count) +
                                             " documents but " + std::to_string(document_count) +
                                             " were given: a batch is re-anchored whole, once");
  std::vector<bool> covered(document_count, false);
  for (const auto& proof : previous_proofs) {
    if (proof == nullptr || proof->batch_id != first.batch_id || proof->chain_id != first.chain_id ||
        proof->document_count != first.document_count)
      return error(Code::invalid_argument, "the earlier proofs are not all of one batch");
    if (proof->leaf_index >= document_count || covered[proof->leaf_index])
      return error(Code::invalid_argument, "earlier proof " + std::to_string(proof->leaf_index) +
                                               " is given twice or is out of range");
    covered[proof->leaf_index] = true;
  }
  return Status();
}

std::vector<Digest> leaves_of(HashAlgorithm algorithm, const std::vector<Digest>& document_hashes,
                              const std::vector<std::shared_ptr<const Proof>>& previous_proofs) {
  std::vector<Digest> leaves(document_hashes.size());
  parallel_chunks(leaves.size(), [&](size_t begin, size_t end) {
    with_algorithm(algorithm, [&](auto hash) {
      const auto leaf_prefix = tag_prefix<decltype(hash)>(tags::leaf);
      for (size_t index = begin; index < end; ++index) {
        if (previous_proofs.empty()) {
          leaves[index] = finish_from(leaf_prefix, document_hashes[index].view(), ByteView());
        } else {
          Digest evidence = evidence_hash(algorithm, *previous_proofs[index]);
          leaves[index] = renewal_leaf_digest(algorithm, document_hashes[index], evidence);
        }
      }
      return 0;
    });
  });
  return leaves;
}

Result<chain::Receipt> run_query(const Client& client, std::string_view contract, std::string_view method,
                                 const Bytes& arguments) {
  auto receipt = client.query(contract, method, arguments);
  if (!receipt.ok()) return receipt.status().with_context(std::string("query ") + std::string(method));
  return receipt;
}

// evidence_chain(batch_id) -> list<evidence>, newest first.
Result<std::vector<EvidenceStep>> decode_evidence_chain(ByteView data) {
  codec::Reader reader(data);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(evidence_chain_length_max, 32 + 4 + 4 + 16));
  std::vector<EvidenceStep> steps;
  for (size_t index = 0; index < count; ++index) {
    EvidenceStep step;
    GOVCHAIN_ASSIGN_OR_RETURN(step.batch_id, reader.fixed<32>());
    GOVCHAIN_ASSIGN_OR_RETURN(std::string algorithm, reader.text(64));
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes root, reader.bytes(64));
    GOVCHAIN_ASSIGN_OR_RETURN(step.height, reader.u64());
    GOVCHAIN_ASSIGN_OR_RETURN(step.time_ms, reader.i64());
    auto known = algorithm_from_name(algorithm);
    if (!known.ok() || root.size() != Digest::size_bytes) {
      step.algorithm = HashAlgorithm::sha256;
      step.batch_id = Hash();  // a root this client cannot compare: never matches a proof
    } else {
      step.algorithm = *known;
    }
    steps.push_back(step);
  }
  GOVCHAIN_TRY(reader.finish());
  return steps;
}

// The roots of evidence_chain, kept apart from EvidenceStep (a public type).
Result<std::vector<Digest>> decode_evidence_roots(ByteView data) {
  codec::Reader reader(data);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(evidence_chain_length_max, 32 + 4 + 4 + 16));
  std::vector<Digest> roots;
  for (size_t index = 0; index < count; ++index) {
    GOVCHAIN_TRY(reader.fixed<32>().status());
    GOVCHAIN_TRY(reader.text(64).status());
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes root, reader.bytes(64));
    GOVCHAIN_TRY(reader.u64().status());
    GOVCHAIN_TRY(reader.i64().status());
    roots.push_back(Digest::from_view(root));
  }
  return roots;
}

Result<std::vector<EvidenceStep>> query_evidence_chain(const Client& client, std::string_view contract,
                                                       const Hash& batch_id, std::vector<Digest>* roots) {
  codec::Writer arguments;
  arguments.fixed(batch_id);
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, run_query(client, contract, "evidence_chain", arguments.data()));
  if (receipt.status != Code::ok) return error(Code::not_found, "the chain knows no batch " + batch_id.hex());
  if (roots != nullptr) {
    GOVCHAIN_ASSIGN_OR_RETURN(*roots, decode_evidence_roots(receipt.return_data));
  }
  return decode_evidence_chain(receipt.return_data);
}

}  // namespace

Result<PreparedBatch> prepare_batch(HashAlgorithm algorithm, std::vector<Digest> document_hashes,
                                    std::vector<std::shared_ptr<const Proof>> previous_proofs) {
  if (document_hashes.empty()) return error(Code::invalid_argument, "a batch needs at least one document");
  if (!previous_proofs.empty()) GOVCHAIN_TRY(check_renewed_proofs(previous_proofs, document_hashes.size()));
  PreparedBatch batch;
  batch.algorithm = algorithm;
  batch.batch_id = crypto::random_32();
  auto tree = MerkleTree::build(algorithm, leaves_of(algorithm, document_hashes, previous_proofs));
  if (!tree.ok()) return tree.status();
  batch.tree = std::move(*tree);
  batch.document_hashes = std::move(document_hashes);
  batch.previous_proofs = std::move(previous_proofs);
  return batch;
}

Status check_label(std::string_view label) {
  if (label.empty() || label.size() > 128)
    return error(Code::invalid_argument, "the label must have 1..128 characters");
  for (char character : label)
    if (static_cast<unsigned char>(character) < 0x20 || static_cast<unsigned char>(character) > 0x7e)
      return error(Code::invalid_argument, "the label must be printable ASCII");
  return Status();
}

Bytes anchor_arguments(const PreparedBatch& batch, const AnchorRequest& request) {
  codec::Writer writer;
  writer.fixed(batch.batch_id);
  writer.text(request.municipality);
  writer.text(algorithm_name(batch.algorithm));
  writer.bytes(batch.tree->root().view());
  writer.u64(batch.tree->leaf_count());
  writer.text(request.label);
  writer.fixed(request.previous_batch_id);
  return writer.take();
}

Result<AnchorRecord> anchor_batch(const Client& client, const crypto::KeyPair& key_pair, const PreparedBatch& batch,
                                  const AnchorRequest& request) {
  GOVCHAIN_TRY(check_label(request.label));
  if (!batch.tree) return error(Code::invalid_argument, "the batch has no tree; use prepare_batch");
  auto action = contract_call_action(std::string(contract_name), "anchor", anchor_arguments(batch, request));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Tx tx, client.prepare_tx(key_pair, std::move(action), request.gas_limit));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, client.submit_and_wait(tx, request.wait_ms));
  if (receipt.status != Code::ok)
    return error(receipt.status, "the anchoring transaction " + receipt.tx_hash.hex() + " failed in block " +
                                     std::to_string(receipt.height) + ": " + receipt.message);
  GOVCHAIN_ASSIGN_OR_RETURN(auto evidence, query_evidence_chain(client, contract_name, batch.batch_id, nullptr));
  if (evidence.empty() || evidence.front().batch_id != batch.batch_id)
    return error(Code::invalid, "the node does not report the batch it just anchored");
  AnchorRecord record;
  record.chain_id = tx.chain_id;
  record.batch_id = batch.batch_id;
  record.tx_hash = receipt.tx_hash;
  record.height = evidence.front().height;
  record.time_ms = evidence.front().time_ms;
  return record;
}

Proof make_proof(const PreparedBatch& batch, const AnchorRecord& anchor, uint64_t leaf_index) {
  Proof proof;
  proof.chain_id = anchor.chain_id;
  proof.contract = anchor.contract;
  proof.batch_id = anchor.batch_id;
  proof.algorithm = batch.algorithm;
  proof.document_hash = batch.document_hashes[leaf_index];
  if (!batch.previous_proofs.empty()) {
    proof.previous = batch.previous_proofs[leaf_index];
    proof.evidence_hash = evidence_hash(batch.algorithm, *proof.previous);
  }
  proof.leaf_index = leaf_index;
  proof.document_count = batch.tree->leaf_count();
  proof.path = batch.tree->path(leaf_index);
  proof.root = batch.tree->root();
  proof.anchor_tx_hash = anchor.tx_hash;
  proof.anchor_height = anchor.height;
  proof.anchor_time_ms = anchor.time_ms;
  return proof;
}

Status write_proofs(const PreparedBatch& batch, const AnchorRecord& anchor,
                    const std::vector<std::filesystem::path>& paths, unsigned thread_count,
                    const ProgressFunction& progress) {
  if (paths.size() != batch.document_hashes.size())
    return error(Code::invalid_argument, "one proof path per document is needed");
  return run_parallel(
      paths.size(), thread_count,
      [&](uint64_t index) {
        if (paths[index].empty()) return Status();
        return write_proof_file(paths[index], make_proof(batch, anchor, index));
      },
      progress);
}

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::valid:
      return "valid";
    case Verdict::document_altered:
      return "document_altered";
    case Verdict::proof_tampered:
      return "proof_tampered";
    case Verdict::root_not_anchored:
      return "root_not_anchored";
    case Verdict::wrong_chain:
      return "wrong_chain";
    case Verdict::evidence_chain_broken:
    default:
      return "evidence_chain_broken";
  }
}

std::vector<HashAlgorithm> algorithms_of(const Proof& proof) {
  std::vector<HashAlgorithm> algorithms;
  for (const Proof* step = &proof; step != nullptr; step = step->previous.get())
    if (std::find(algorithms.begin(), algorithms.end(), step->algorithm) == algorithms.end())
      algorithms.push_back(step->algorithm);
  return algorithms;
}

}  // namespace govchain::client::archive

namespace govchain::client::archive {

namespace {

Verification verdict_of(Verdict verdict, std::string reason) {
  Verification verification;
  verification.verdict = verdict;
  verification.reason = std::move(reason);
  return verification;
}

// The structure of one step: path shape, path to root, renewal link.
std::optional<Verification> check_step(const Proof& step, const Proof& top) {
  const std::string batch = " (batch " + step.batch_id.hex() + ")";
  if (step.chain_id != top.chain_id || step.contract != top.contract)
    return verdict_of(Verdict::proof_tampered, "the evidence chain mixes chains or contracts" + batch);
  auto sides = expected_sides(step.leaf_index, step.document_count);
  if (!sides.ok()) return verdict_of(Verdict::proof_tampered, sides.status().message() + batch);
  bool shape_matches = sides->size() == step.path.size();
  for (size_t index = 0; shape_matches && index < step.path.size(); ++index)
    shape_matches = (*sides)[index] == step.path[index].side;
  if (!shape_matches)
    return verdict_of(Verdict::proof_tampered, "the path does not fit leaf " + std::to_string(step.leaf_index) +
                                                   " of " + std::to_string(step.document_count) + batch);
  if (step.evidence_hash.has_value() != (step.previous != nullptr))
    return verdict_of(Verdict::proof_tampered, "a re-anchoring proof lacks its earlier proof or its hash" + batch);
  if (step.previous && evidence_hash(step.algorithm, *step.previous) != *step.evidence_hash)
    return verdict_of(Verdict::proof_tampered,
                      "the earlier proof was changed: it no longer matches the re-anchored evidence hash" + batch);
  if (root_from_path(step.algorithm, leaf_of(step), step.path) != step.root)
    return verdict_of(Verdict::proof_tampered, "the path does not lead from the document hash to the root" + batch);
  return std::nullopt;
}

std::vector<const Proof*> steps_of(const Proof& proof) {
  std::vector<const Proof*> steps;
  for (const Proof* step = &proof; step != nullptr && steps.size() <= evidence_chain_length_max;
       step = step->previous.get())
    steps.push_back(step);
  return steps;
}

Result<std::string> query_root_verdict(const Client& client, const Proof& step) {
  codec::Writer arguments;
  arguments.fixed(step.batch_id);
  arguments.text(algorithm_name(step.algorithm));
  arguments.bytes(step.root.view());
  arguments.i64(0);
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, run_query(client, step.contract, "verify_root", arguments.data()));
  if (receipt.status != Code::ok) return error(receipt.status, "verify_root failed: " + receipt.message);
  codec::Reader reader(receipt.return_data);
  GOVCHAIN_ASSIGN_OR_RETURN(std::string verdict, reader.text(64));
  GOVCHAIN_ASSIGN_OR_RETURN(std::string reason, reader.text(256));
  return reason.empty() ? verdict : verdict + " (" + reason + ")";
}

Result<uint64_t> query_document_count(const Client& client, const Proof& step) {
  codec::Writer arguments;
  arguments.fixed(step.batch_id);
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, run_query(client, step.contract, "batch", arguments.data()));
  if (receipt.status != Code::ok) return error(Code::not_found, "batch failed: " + receipt.message);
  codec::Reader reader(receipt.return_data);
  GOVCHAIN_TRY(reader.text(64).status());
  GOVCHAIN_TRY(reader.bytes(64).status());
  return reader.u64();
}

// One step against the chain's record of it (entry `index` of evidence_chain).
Result<std::optional<Verification>> check_step_on_chain(const Client& client, const Proof& step, size_t index,
                                                        const EvidenceStep& entry, const Digest& entry_root) {
  const std::string batch = "batch " + step.batch_id.hex();
  if (entry.batch_id != step.batch_id || entry.algorithm != step.algorithm || entry_root != step.root) {
    if (index == 0) return {verdict_of(Verdict::root_not_anchored, "the chain anchors another root for " + batch)};
    return {verdict_of(Verdict::evidence_chain_broken, "the chain's re-anchoring record differs at " + batch)};
  }
  if (entry.height != step.anchor_height || entry.time_ms != step.anchor_time_ms)
    return {verdict_of(Verdict::proof_tampered, "the proof's anchoring height or time differs from the chain's for " +
                                                    batch)};
  GOVCHAIN_ASSIGN_OR_RETURN(std::string verdict, query_root_verdict(client, step));
  if (verdict != "valid")
    return {verdict_of(Verdict::root_not_anchored, "the chain answers '" + verdict + "' for the root of " + batch)};
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t document_count, query_document_count(client, step));
  if (document_count != step.document_count)
    return {verdict_of(Verdict::proof_tampered, "the proof's document count differs from the chain's for " + batch)};
  return {std::nullopt};
}

}  // namespace

Verification check_proof_offline(const Proof& proof, const DocumentDigests& document) {
  const auto steps = steps_of(proof);
  if (steps.size() > evidence_chain_length_max)
    return verdict_of(Verdict::proof_tampered, "the evidence chain is longer than the contract allows");
  for (const Proof* step : steps)
    if (auto failure = check_step(*step, proof)) return *failure;
  for (const Proof* step : steps) {
    auto found = document.find(step->algorithm);
    if (found == document.end() || found->second != step->document_hash)
      return verdict_of(Verdict::document_altered, "the document's " + std::string(algorithm_name(step->algorithm)) +
                                                       " hash differs from the proof's: it is not the document "
                                                       "that was anchored (altered or another file)");
  }
  Verification verification;
  for (const Proof* step : steps)
    verification.steps.push_back({step->batch_id, step->algorithm, step->anchor_height, step->anchor_time_ms});
  return verification;
}

Result<Verification> verify_proof(const Client& client, const Proof& proof, const DocumentDigests& document) {
  Verification offline = check_proof_offline(proof, document);
  if (!offline.valid()) return offline;
  GOVCHAIN_ASSIGN_OR_RETURN(NodeStatus status, client.status());
  if (status.chain_id != proof.chain_id)
    return verdict_of(Verdict::wrong_chain,
                      "the proof is for chain '" + proof.chain_id + "', the node serves '" + status.chain_id + "'");
  std::vector<Digest> roots;
  auto chain = query_evidence_chain(client, proof.contract, proof.batch_id, &roots);
  if (!chain.ok() && chain.status().code() == Code::not_found)
    return verdict_of(Verdict::root_not_anchored, chain.status().message());
  if (!chain.ok()) return chain.status();
  const auto steps = steps_of(proof);
  if (chain->size() != steps.size())
    return verdict_of(Verdict::evidence_chain_broken,
                      "the chain records " + std::to_string(chain->size()) + " anchorings for this batch, the proof " +
                          std::to_string(steps.size()));
  for (size_t index = 0; index < steps.size(); ++index) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto failure,
                              check_step_on_chain(client, *steps[index], index, (*chain)[index], roots[index]));
    if (failure) return *failure;
  }
  return offline;
}

}  // namespace govchain::client::archive
