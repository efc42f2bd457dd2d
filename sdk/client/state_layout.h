// The parts of govchain's state layout that clients read, and decoders for
// their values. This mirrors node/execution/state_keys.h and governance.cpp
// (documented in docs/state.md) without linking node internals, so that the
// SDK depends only on core, codec, crypto, chain types and proof checking.
// If the node changes the layout, these functions and the unit tests in
// tests/unit/test_client.cpp must change with it.
//
// All functions are pure and thread-safe; the structs are plain values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::client {

// "a/" + account public key -> u64 big-endian next nonce.
Bytes account_nonce_key(const PublicKey& account);
// "g/m/" + municipality id -> text name, 32-byte admin public key.
Bytes municipality_key(std::string_view id);
// "g/r/" + account public key -> u32 count, then (text municipality, text role).
Bytes account_roles_key(const PublicKey& account);
// "c/s/" + contract + "/" + "cert/" + 32-byte id -> a certificate record in a
// contract's storage (sdk/contract/govchain/certificate.h): the format version
// byte 1, then the ABI struct "certificate" (client::decode_stored_certificate_record).
Bytes certificate_record_key(std::string_view contract, const Hash& id);

// "g/v" -> u32 count, then (32-byte node key, text municipality), sorted by
// key: the validator set that decides the block after the one whose state
// holds it.
Bytes validators_key();

struct ValidatorRecord {
  PublicKey key;
  std::string municipality;
  bool operator==(const ValidatorRecord&) const = default;
};

struct RoleEntry {
  std::string municipality;
  std::string role;
  bool operator==(const RoleEntry&) const = default;
};

struct MunicipalityRecord {
  std::string id;
  std::string name;
  PublicKey admin;
};

// Decode the stored values; Code::malformed when the bytes are not the one
// canonical encoding.
Result<std::vector<RoleEntry>> decode_roles_value(ByteView value);
Result<MunicipalityRecord> decode_municipality_value(std::string_view id, ByteView value);
Result<uint64_t> decode_nonce_value(ByteView value);
Result<std::vector<ValidatorRecord>> decode_validators_value(ByteView value);

// The canonical encoding of a roles value (for tests and tools).
Bytes encode_roles_value(const std::vector<RoleEntry>& roles);
Bytes encode_validators_value(const std::vector<ValidatorRecord>& validators);

}  // namespace govchain::client
