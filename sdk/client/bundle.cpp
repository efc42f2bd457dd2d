#include "client/bundle.h"

#include <algorithm>
#include <map>

#include "client/state_layout.h"
#include "codec/codec.h"

namespace govchain::client {

namespace {

constexpr uint16_t explicit_key_marker = 0xFFFF;
constexpr size_t signatures_max = 1000;  // as chain::CommitCertificate's decoder
constexpr uint8_t last_commit_derived = 0;
constexpr uint8_t last_commit_explicit = 1;

// Public keys in the order a bundle first names them: the anchor's
// validators, then each key new in a validator set change. Encoder and
// decoder build the same table at the same points, so an index is exact.
class KeyTable {
 public:
  explicit KeyTable(const std::vector<PublicKey>& keys) {
    for (const PublicKey& key : keys) add(key);
  }
  void add(const PublicKey& key) {
    if (index_.size() >= explicit_key_marker || index_.contains(key)) return;
    index_.emplace(key, static_cast<uint16_t>(keys_.size()));
    keys_.push_back(key);
  }
  std::optional<uint16_t> find(const PublicKey& key) const {
    auto found = index_.find(key);
    if (found == index_.end()) return std::nullopt;
    return found->second;
  }
  size_t size() const { return keys_.size(); }
  const PublicKey& at(size_t index) const { return keys_[index]; }

 private:
  std::vector<PublicKey> keys_;
  std::map<PublicKey, uint16_t> index_;
};

Status malformed(const std::string& message) { return error(Code::malformed, "proof bundle: " + message); }

void write_key(codec::Writer& writer, const KeyTable& table, const PublicKey& key) {
  if (auto index = table.find(key)) {
    writer.u16(*index);
    return;
  }
  writer.u16(explicit_key_marker);
  writer.fixed(key);
}

Result<PublicKey> read_key(codec::Reader& reader, const KeyTable& table) {
  GOVCHAIN_ASSIGN_OR_RETURN(uint16_t index, reader.u16());
  if (index != explicit_key_marker) {
    if (index >= table.size()) return malformed("key index " + std::to_string(index) + " is outside the key table");
    return table.at(index);
  }
  GOVCHAIN_ASSIGN_OR_RETURN(PublicKey key, reader.fixed<32>());
  if (table.find(key)) return malformed("a key of the key table is written out in full (not canonical)");
  return key;
}

void write_signatures(codec::Writer& writer, const KeyTable& table, const std::vector<chain::CommitSignature>& list) {
  writer.u16(static_cast<uint16_t>(list.size()));
  for (const auto& entry : list) {
    write_key(writer, table, entry.validator);
    writer.fixed(entry.signature);
  }
}

Result<std::vector<chain::CommitSignature>> read_signatures(codec::Reader& reader, const KeyTable& table) {
  GOVCHAIN_ASSIGN_OR_RETURN(uint16_t count, reader.u16());
  if (count > signatures_max) return malformed("more than 1000 signatures in one commit");
  if (reader.remaining() < size_t{count} * 66) return malformed("too short for its signatures");
  std::vector<chain::CommitSignature> list(count);
  for (auto& entry : list) {
    GOVCHAIN_ASSIGN_OR_RETURN(entry.validator, read_key(reader, table));
    GOVCHAIN_ASSIGN_OR_RETURN(entry.signature, reader.fixed<64>());
  }
  return list;
}

bool last_commit_is_derived(const chain::Header& header) {
  return header.last_commit.height + 1 == header.height && header.last_commit.block_hash == header.previous_hash;
}

void write_header(codec::Writer& writer, const KeyTable& table, const chain::Header& header) {
  writer.u64(header.height);
  writer.i64(header.time_ms);
  for (const Hash* field : {&header.previous_hash, &header.txs_root, &header.state_root, &header.receipts_root})
    writer.fixed(*field);
  write_key(writer, table, header.proposer);
  const bool derived = last_commit_is_derived(header);
  writer.u8(derived ? last_commit_derived : last_commit_explicit);
  if (!derived) {
    writer.u64(header.last_commit.height);
    writer.fixed(header.last_commit.block_hash);
  }
  writer.u32(header.last_commit.round);
  write_signatures(writer, table, header.last_commit.signatures);
}

// The header's chain id and validator set hash are the verifier's: the
// bundle's chain and the hash of the set that decides the header's height.
Result<chain::Header> read_header(codec::Reader& reader, const KeyTable& table, const std::string& chain_id,
                                  const std::vector<PublicKey>& deciding_set) {
  chain::Header header;
  header.chain_id = chain_id;
  header.validator_set_hash = chain::validator_set_hash(deciding_set);
  GOVCHAIN_ASSIGN_OR_RETURN(header.height, reader.u64());
  if (header.height == 0) return malformed("a header at height 0");
  GOVCHAIN_ASSIGN_OR_RETURN(header.time_ms, reader.i64());
  for (Hash* field : {&header.previous_hash, &header.txs_root, &header.state_root, &header.receipts_root}) {
    GOVCHAIN_ASSIGN_OR_RETURN(*field, reader.fixed<32>());
  }
  GOVCHAIN_ASSIGN_OR_RETURN(header.proposer, read_key(reader, table));
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t form, reader.u8());
  if (form == last_commit_derived) {
    header.last_commit.height = header.height - 1;
    header.last_commit.block_hash = header.previous_hash;
  } else if (form == last_commit_explicit) {
    GOVCHAIN_ASSIGN_OR_RETURN(header.last_commit.height, reader.u64());
    GOVCHAIN_ASSIGN_OR_RETURN(header.last_commit.block_hash, reader.fixed<32>());
    if (last_commit_is_derived(header)) return malformed("a derivable last commit is written out (not canonical)");
  } else {
    return malformed("unknown last-commit form " + std::to_string(form));
  }
  GOVCHAIN_ASSIGN_OR_RETURN(header.last_commit.round, reader.u32());
  GOVCHAIN_ASSIGN_OR_RETURN(header.last_commit.signatures, read_signatures(reader, table));
  return header;
}

Status write_block(codec::Writer& writer, const KeyTable& table, const CertifiedBlock& block,
                   const std::vector<PublicKey>& deciding_set) {
  if (block.header.height == 0) return error(Code::invalid, "proof bundle: a header at height 0");
  if (block.header.validator_set_hash != chain::validator_set_hash(deciding_set))
    return error(Code::invalid, "proof bundle: block " + std::to_string(block.header.height) +
                                    " names another validator set than the one the changes lead to");
  if (block.commit.height != block.header.height || block.commit.block_hash != chain::block_hash(block.header))
    return error(Code::invalid,
                 "proof bundle: the commit certificate is not for block " + std::to_string(block.header.height));
  write_header(writer, table, block.header);
  writer.u32(block.commit.round);
  write_signatures(writer, table, block.commit.signatures);
  return Status();
}

Result<CertifiedBlock> read_block(codec::Reader& reader, const KeyTable& table, const std::string& chain_id,
                                  const std::vector<PublicKey>& deciding_set) {
  CertifiedBlock block;
  GOVCHAIN_ASSIGN_OR_RETURN(block.header, read_header(reader, table, chain_id, deciding_set));
  block.commit.height = block.header.height;
  block.commit.block_hash = chain::block_hash(block.header);
  GOVCHAIN_ASSIGN_OR_RETURN(block.commit.round, reader.u32());
  GOVCHAIN_ASSIGN_OR_RETURN(block.commit.signatures, read_signatures(reader, table));
  return block;
}

Result<state::StateProof> read_proof(codec::Reader& reader) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes encoded, reader.bytes(64 + 33 * state::tree_depth_max));
  return state::decode_proof(encoded);
}

// The keys of a "g/v" value, which decide blocks from the change on.
Result<std::vector<PublicKey>> keys_of_validators_value(ByteView value) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<ValidatorRecord> records, decode_validators_value(value));
  std::vector<PublicKey> keys;
  for (const auto& record : records) keys.push_back(record.key);
  if (keys.empty()) return error(Code::invalid, "proof bundle: a validator set change to an empty set");
  return keys;
}

Status write_changes(codec::Writer& writer, KeyTable& table, const ProofBundle& bundle,
                     std::vector<PublicKey>& current) {
  writer.u16(static_cast<uint16_t>(bundle.changes.size()));
  for (const auto& change : bundle.changes) {
    writer.u64(change.activation_height);
    GOVCHAIN_TRY(write_block(writer, table, change.block, current));
    writer.bytes(change.validators_value);
    writer.bytes(state::encode_proof(change.proof));
    GOVCHAIN_ASSIGN_OR_RETURN(current, keys_of_validators_value(change.validators_value));
    for (const PublicKey& key : current) table.add(key);
  }
  return Status();
}

Status read_changes(codec::Reader& reader, KeyTable& table, ProofBundle& bundle, std::vector<PublicKey>& current) {
  GOVCHAIN_ASSIGN_OR_RETURN(uint16_t count, reader.u16());
  if (count > bundle_changes_max) return malformed("more than 256 validator set changes");
  bundle.changes.resize(count);
  for (auto& change : bundle.changes) {
    GOVCHAIN_ASSIGN_OR_RETURN(change.activation_height, reader.u64());
    GOVCHAIN_ASSIGN_OR_RETURN(change.block, read_block(reader, table, bundle.chain_id, current));
    GOVCHAIN_ASSIGN_OR_RETURN(change.validators_value, reader.bytes(bundle_value_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(change.proof, read_proof(reader));
    auto keys = keys_of_validators_value(change.validators_value);
    if (!keys.ok()) return malformed(keys.status().message());
    current = std::move(*keys);
    for (const PublicKey& key : current) table.add(key);
  }
  return Status();
}

Status read_entries(codec::Reader& reader, ProofBundle& bundle) {
  GOVCHAIN_ASSIGN_OR_RETURN(uint16_t count, reader.u16());
  if (count == 0 || count > bundle_entries_max) return malformed("a bundle holds 1..16 state entries");
  bundle.entries.resize(count);
  for (auto& entry : bundle.entries) {
    GOVCHAIN_ASSIGN_OR_RETURN(entry.key, reader.bytes(bundle_key_size_bytes_max));
    if (entry.key.empty()) return malformed("an entry with an empty key");
    GOVCHAIN_ASSIGN_OR_RETURN(bool present, reader.boolean());
    if (present) {
      GOVCHAIN_ASSIGN_OR_RETURN(entry.value, reader.bytes(bundle_value_size_bytes_max));
    }
    GOVCHAIN_ASSIGN_OR_RETURN(entry.proof, read_proof(reader));
  }
  for (size_t i = 0; i < count; ++i)
    for (size_t j = i + 1; j < count; ++j)
      if (bundle.entries[i].key == bundle.entries[j].key) return malformed("the same key twice");
  return Status();
}

Status read_head(codec::Reader& reader, BundleHead& head) {
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t version, reader.u8());
  if (version != bundle_format_version)
    return malformed("unknown format version " + std::to_string(version) + " (this verifier reads version 1)");
  GOVCHAIN_ASSIGN_OR_RETURN(head.chain_id, reader.text(64));
  if (head.chain_id.empty()) return malformed("no chain id");
  GOVCHAIN_ASSIGN_OR_RETURN(head.anchor_id, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(head.anchor_height, reader.u64());
  if (head.anchor_height == 0) return malformed("trust anchor height 0");
  return Status();
}

}  // namespace

Result<Bytes> encode_bundle(const ProofBundle& bundle, const std::vector<PublicKey>& anchor_validators) {
  if (bundle.changes.size() > bundle_changes_max || bundle.entries.empty() ||
      bundle.entries.size() > bundle_entries_max)
    return error(Code::invalid_argument, "proof bundle: 0..256 changes and 1..16 entries");
  std::vector<PublicKey> current = anchor_validators;
  std::sort(current.begin(), current.end());
  KeyTable table(current);
  codec::Writer writer;
  writer.u8(bundle_format_version);
  writer.text(bundle.chain_id);
  writer.fixed(bundle.anchor_id);
  writer.u64(bundle.anchor_height);
  GOVCHAIN_TRY(write_changes(writer, table, bundle, current));
  GOVCHAIN_TRY(write_block(writer, table, bundle.block, current));
  writer.u16(static_cast<uint16_t>(bundle.entries.size()));
  for (const auto& entry : bundle.entries) {
    writer.bytes(entry.key);
    writer.boolean(entry.value.has_value());
    if (entry.value) writer.bytes(*entry.value);
    writer.bytes(state::encode_proof(entry.proof));
  }
  return writer.take();
}

Result<BundleHead> peek_bundle(ByteView bytes) {
  if (bytes.size() > bundle_size_bytes_max) return malformed("larger than 512 KiB");
  codec::Reader reader(bytes);
  BundleHead head;
  Status read = read_head(reader, head);
  if (!read.ok()) return read.code() == Code::malformed ? read : malformed(read.message());
  return head;
}

Result<ProofBundle> decode_bundle(ByteView bytes, const TrustAnchor& anchor) {
  GOVCHAIN_ASSIGN_OR_RETURN(BundleHead head, peek_bundle(bytes));
  if (head.anchor_id != trust_anchor_id(anchor) || head.anchor_height != anchor.height)
    return error(Code::invalid, "proof bundle: it starts from trust anchor " + head.anchor_id.hex() + " at height " +
                                    std::to_string(head.anchor_height) + ", not from the given anchor " +
                                    trust_anchor_id(anchor).hex());
  codec::Reader reader(bytes);
  ProofBundle bundle;
  auto decode = [&]() -> Status {
    GOVCHAIN_TRY(read_head(reader, head));
    bundle.chain_id = head.chain_id;
    bundle.anchor_id = head.anchor_id;
    bundle.anchor_height = head.anchor_height;
    std::vector<PublicKey> current = anchor.validators;
    KeyTable table(current);
    GOVCHAIN_TRY(read_changes(reader, table, bundle, current));
    GOVCHAIN_ASSIGN_OR_RETURN(bundle.block, read_block(reader, table, bundle.chain_id, current));
    GOVCHAIN_TRY(read_entries(reader, bundle));
    return reader.finish();
  };
  Status decoded = decode();
  if (!decoded.ok()) return decoded.code() == Code::malformed ? decoded : malformed(decoded.message());
  return bundle;
}

namespace {

Status check_certified(const CertifiedBlock& block, const std::vector<PublicKey>& validators, const std::string& what,
                       CommitCheck* check) {
  auto commit = verify_commit(block.header, block.commit, validators);
  if (!commit.ok()) return commit.status().with_context(what);
  if (check != nullptr) *check = *commit;
  return Status();
}

}  // namespace

Result<BundleCheck> verify_bundle(const ProofBundle& bundle, const TrustAnchor& anchor) {
  if (bundle.chain_id != anchor.chain_id)
    return error(Code::wrong_chain,
                 "the bundle is for chain '" + bundle.chain_id + "', the trust anchor for '" + anchor.chain_id + "'");
  const Hash anchor_id = trust_anchor_id(anchor);
  if (bundle.anchor_id != anchor_id || bundle.anchor_height != anchor.height)
    return error(Code::invalid, "the bundle starts from another trust anchor (" + bundle.anchor_id.hex() + ")");
  std::vector<PublicKey> current = anchor.validators;
  uint64_t decides_from = anchor.height;
  for (const auto& change : bundle.changes) {
    const std::string what = "validator set change at height " + std::to_string(change.activation_height);
    if (change.activation_height < decides_from + 1 || change.block.header.height + 1 != change.activation_height)
      return error(Code::invalid, what + ": out of order, or proven in the wrong block");
    if (change.block.header.chain_id != bundle.chain_id) return error(Code::invalid, what + ": another chain's block");
    GOVCHAIN_TRY(check_certified(change.block, current, what, nullptr));
    Status proven =
        state::verify_proof(change.block.header.state_root, validators_key(), change.validators_value, change.proof);
    if (!proven.ok()) return proven.with_context(what);
    auto keys = keys_of_validators_value(change.validators_value);
    if (!keys.ok()) return keys.status().with_context(what);
    current = std::move(*keys);
    decides_from = change.activation_height;
  }
  const chain::Header& header = bundle.block.header;
  if (header.height < decides_from || header.chain_id != bundle.chain_id)
    return error(Code::invalid, "the bundle's block " + std::to_string(header.height) +
                                    " lies before its last validator set change or on another chain");
  BundleCheck check{anchor_id,
                    anchor.height,
                    bundle.changes.size(),
                    header.height,
                    header.time_ms,
                    chain::block_hash(header),
                    header.state_root,
                    {}};
  GOVCHAIN_TRY(check_certified(bundle.block, current, "block " + std::to_string(header.height), &check.commit));
  for (const auto& entry : bundle.entries) {
    Status proven = state::verify_proof(header.state_root, entry.key, entry.value, entry.proof);
    if (!proven.ok()) return proven.with_context("state entry " + to_hex(entry.key));
  }
  return check;
}

void keep_smallest_quorums(ProofBundle& bundle, const TrustAnchor& anchor) {
  auto keep_quorum = [](chain::CommitCertificate& commit, size_t validators) {
    const size_t quorum = validators * 2 / 3 + 1;
    if (commit.signatures.size() > quorum) commit.signatures.resize(quorum);
  };
  size_t deciding = anchor.validators.size();
  for (auto& change : bundle.changes) {
    keep_quorum(change.block.commit, deciding);
    // An unreadable set is verify_bundle's to refuse; the rest stays whole.
    auto keys = keys_of_validators_value(change.validators_value);
    if (!keys.ok()) return;
    deciding = keys->size();
  }
  keep_quorum(bundle.block.commit, deciding);
}

Result<std::optional<Bytes>> bundle_value(const ProofBundle& bundle, ByteView key) {
  for (const auto& entry : bundle.entries)
    if (std::equal(entry.key.begin(), entry.key.end(), key.begin(), key.end())) return entry.value;
  return error(Code::not_found, "the bundle holds no entry for state key " + to_hex(key));
}

std::string base32_encode(ByteView bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string text;
  text.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text.push_back(alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) text.push_back(alphabet[(buffer << (5 - bits)) & 31]);
  return text;
}

Result<Bytes> base32_decode(std::string_view text) {
  if (text.size() > bundle_size_bytes_max * 2) return malformed("text larger than 1 MiB");
  Bytes bytes;
  bytes.reserve(text.size() * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (char character : text) {
    int value = -1;
    if (character >= 'A' && character <= 'Z') value = character - 'A';
    if (character >= 'a' && character <= 'z') value = character - 'a';
    if (character >= '2' && character <= '7') value = character - '2' + 26;
    if (value < 0) return malformed(std::string("not base32: character '") + character + "'");
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bytes.push_back(static_cast<uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
    buffer &= (1u << bits) - 1;
  }
  if (bits >= 5 || buffer != 0) return malformed("base32 text of an impossible length or with stray bits");
  return bytes;
}

}  // namespace govchain::client
