#include "execution/contract_store.h"

#include <algorithm>

#include "codec/codec.h"
#include "crypto/hash.h"
#include "execution/executor.h"
#include "execution/state_keys.h"

namespace govchain::execution {

namespace {

constexpr uint8_t record_format_version = 2;
constexpr uint8_t chunked_format_version = 1;

Bytes chunk_key(const Bytes& base_key, size_t index) {
  Bytes key = base_key;
  key.push_back('/');
  key.push_back(static_cast<uint8_t>(index >> 8));
  key.push_back(static_cast<uint8_t>(index & 0xFF));
  return key;
}

struct ChunkedHeader {
  uint32_t size_bytes = 0;
  uint16_t chunk_count = 0;
};

Result<std::optional<ChunkedHeader>> read_header(const StateReader& state, const Bytes& base_key) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(base_key));
  if (!stored) return std::optional<ChunkedHeader>();
  codec::Reader reader(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t version, reader.u8());
  if (version != chunked_format_version) return error(Code::corruption, "unknown chunked value version");
  ChunkedHeader header;
  GOVCHAIN_ASSIGN_OR_RETURN(header.size_bytes, reader.u32());
  GOVCHAIN_ASSIGN_OR_RETURN(header.chunk_count, reader.u16());
  GOVCHAIN_TRY(reader.finish());
  size_t expected = (header.size_bytes + contract_code_chunk_size_bytes - 1) / contract_code_chunk_size_bytes;
  if (header.chunk_count != expected || header.chunk_count > contract_code_chunks_max)
    return error(Code::corruption, "chunked value header does not match its size");
  return std::optional<ChunkedHeader>(header);
}

Status write_names(Overlay& state, const std::vector<std::string>& names) {
  if (names.size() > contracts_max) return error(Code::resource_exhausted, "the contract list is full");
  codec::Writer writer;
  writer.count(names.size());
  for (const auto& entry : names) writer.text(entry);
  state.set(keys::contract_list(), writer.data());
  return Status();
}

bool owned_by(const std::string& name, std::string_view municipality) {
  auto space = contract_namespace(name);
  return space && *space == municipality;
}

}  // namespace

Bytes encode_contract_record(const ContractRecord& record) {
  codec::Writer writer;
  writer.u8(record_format_version);
  writer.u8(record.shared ? 1 : 0);
  writer.text(record.municipality);
  writer.text(record.abi_json);
  writer.count(record.history.size());
  for (const auto& version : record.history) {
    writer.fixed(version.code_hash);
    writer.u64(version.height);
    writer.i64(version.time_ms);
  }
  return writer.take();
}

Result<ContractRecord> decode_contract_record(ByteView bytes) {
  codec::Reader reader(bytes);
  ContractRecord record;
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t version, reader.u8());
  if (version != record_format_version) return error(Code::malformed, "unknown contract record version");
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t shared, reader.u8());
  if (shared > 1) return error(Code::malformed, "a contract record's shared flag must be 0 or 1");
  record.shared = shared == 1;
  GOVCHAIN_ASSIGN_OR_RETURN(record.municipality, reader.text(chain::name_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(record.abi_json, reader.text(chain::abi_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(contract_history_max, 48));
  if (count == 0) return error(Code::malformed, "a contract record has no code version");
  for (size_t i = 0; i < count; ++i) {
    ContractRecord::Version entry;
    GOVCHAIN_ASSIGN_OR_RETURN(entry.code_hash, reader.fixed<32>());
    GOVCHAIN_ASSIGN_OR_RETURN(entry.height, reader.u64());
    GOVCHAIN_ASSIGN_OR_RETURN(entry.time_ms, reader.i64());
    record.history.push_back(entry);
  }
  GOVCHAIN_TRY(reader.finish());
  return record;
}

Result<std::vector<std::string>> decode_contract_list(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(contracts_max, 4));
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string name, reader.text(chain::name_size_bytes_max));
    names.push_back(std::move(name));
  }
  GOVCHAIN_TRY(reader.finish());
  return names;
}

std::optional<std::string> contract_namespace(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return std::nullopt;
  return std::string(name.substr(0, dot));
}

Result<std::optional<ContractRecord>> read_contract_record(const StateReader& state, std::string_view name) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::contract_meta(name)));
  if (!stored) return std::optional<ContractRecord>();
  auto record = decode_contract_record(*stored);
  if (!record.ok()) return record.status().with_context("contract record '" + std::string(name) + "'");
  return std::optional<ContractRecord>(std::move(*record));
}

Result<std::vector<std::string>> read_contract_names(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::contract_list()));
  if (!stored) return std::vector<std::string>{};
  return decode_contract_list(*stored);
}

void write_contract_record(Overlay& state, std::string_view name, const ContractRecord& record) {
  state.set(keys::contract_meta(name), encode_contract_record(record));
}

Status write_chunked(Overlay& state, const Bytes& base_key, ByteView bytes) {
  if (bytes.size() > contract_code_size_bytes_max)
    return error(Code::too_large, "contract code has " + std::to_string(bytes.size()) + " bytes, limit is " +
                                      std::to_string(contract_code_size_bytes_max));
  size_t chunks = (bytes.size() + contract_code_chunk_size_bytes - 1) / contract_code_chunk_size_bytes;
  codec::Writer header;
  header.u8(chunked_format_version);
  header.u32(static_cast<uint32_t>(bytes.size()));
  header.u16(static_cast<uint16_t>(chunks));
  state.set(base_key, header.data());
  for (size_t index = 0; index < chunks; ++index) {
    size_t begin = index * contract_code_chunk_size_bytes;
    size_t length = std::min(contract_code_chunk_size_bytes, bytes.size() - begin);
    state.set(chunk_key(base_key, index), bytes.subspan(begin, length));
  }
  return Status();
}

Result<std::optional<Bytes>> read_chunked(const StateReader& state, const Bytes& base_key) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto header, read_header(state, base_key));
  if (!header) return std::optional<Bytes>();
  Bytes bytes;
  bytes.reserve(header->size_bytes);
  for (size_t index = 0; index < header->chunk_count; ++index) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto chunk, state.get(chunk_key(base_key, index)));
    if (!chunk) return error(Code::corruption, "chunk " + std::to_string(index) + " of a stored module is missing");
    bytes.insert(bytes.end(), chunk->begin(), chunk->end());
  }
  if (bytes.size() != header->size_bytes) return error(Code::corruption, "stored module chunks do not add up");
  return std::optional<Bytes>(std::move(bytes));
}

Status erase_chunked(Overlay& state, const Bytes& base_key) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto header, read_header(state, base_key));
  if (!header) return Status();
  for (size_t index = 0; index < header->chunk_count; ++index) state.erase(chunk_key(base_key, index));
  state.erase(base_key);
  return Status();
}

Status write_contract_code(Overlay& state, const Hash& code_hash, ByteView code) {
  return write_chunked(state, keys::contract_code(code_hash), code);
}

Result<std::optional<Bytes>> read_contract_code(const StateReader& state, const Hash& code_hash) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto code, read_chunked(state, keys::contract_code(code_hash)));
  if (code && crypto::sha256(ByteView(*code)) != code_hash)
    return error(Code::corruption, "stored contract code does not match its hash " + code_hash.hex());
  return code;
}

Status check_contract_version(const StateReader& state, std::string_view name, std::string_view municipality,
                              size_t code_size_bytes, size_t abi_size_bytes) {
  if (code_size_bytes > contract_code_size_bytes_max)
    return error(Code::too_large, "contract code has " + std::to_string(code_size_bytes) + " bytes, limit is " +
                                      std::to_string(contract_code_size_bytes_max));
  if (abi_size_bytes > chain::abi_size_bytes_max)
    return error(Code::too_large, "the ABI has " + std::to_string(abi_size_bytes) + " bytes, limit is " +
                                      std::to_string(chain::abi_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(auto record, read_contract_record(state, name));
  if (record) {
    if (record->history.size() >= contract_history_max)
      return error(Code::resource_exhausted, "contract '" + std::string(name) + "' has " +
                                                 std::to_string(contract_history_max) +
                                                 " versions, the limit; deploy the next version under a new name");
    return Status();
  }
  GOVCHAIN_ASSIGN_OR_RETURN(auto names, read_contract_names(state));
  if (names.size() >= contracts_max)
    return error(Code::resource_exhausted,
                 "the chain holds " + std::to_string(contracts_max) + " contracts, the limit");
  auto space = contract_namespace(name);
  if (!space || *space != municipality) return Status();  // shared: the vote is the bound
  size_t owned = static_cast<size_t>(std::count_if(
      names.begin(), names.end(), [&](const std::string& entry) { return owned_by(entry, municipality); }));
  if (owned >= contracts_per_municipality_max)
    return error(Code::resource_exhausted, "municipality '" + std::string(municipality) + "' has " +
                                               std::to_string(contracts_per_municipality_max) +
                                               " contracts in its namespace, the limit");
  return Status();
}

Status store_contract_version(Overlay& state, const std::string& name, const std::string& municipality, ByteView code,
                              const std::string& abi_json, const BlockContext& context) {
  GOVCHAIN_TRY(check_contract_version(state, name, municipality, code.size(), abi_json.size()));
  GOVCHAIN_ASSIGN_OR_RETURN(auto existing, read_contract_record(state, name));
  ContractRecord record;
  if (existing) {
    record = std::move(*existing);
  } else {
    record.municipality = municipality;
    record.shared = !owned_by(name, municipality);
  }
  if (!abi_json.empty()) record.abi_json = abi_json;
  Hash code_hash = crypto::sha256(code);
  record.history.push_back({code_hash, context.height, context.time_ms});
  GOVCHAIN_TRY(write_contract_code(state, code_hash, code));
  write_contract_record(state, name, record);
  if (existing) return Status();
  GOVCHAIN_ASSIGN_OR_RETURN(auto names, read_contract_names(state));
  names.insert(std::upper_bound(names.begin(), names.end(), name), name);
  return write_names(state, names);
}

}  // namespace govchain::execution
