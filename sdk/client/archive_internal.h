// Internal to govchain_client's archive code (archive_*.cpp): the hash
// plumbing shared by the tree, the anchoring and the verification, and the
// contract queries. Not a public header; archive.h is the interface.
//
// Thread-safety: the functions are thread-safe; run_parallel and
// parallel_chunks start and join their own threads.
#pragma once

#include <crypto++/sha.h>
#include <crypto++/sha3.h>

#include <cstring>
#include <functional>
#include <memory>

#include "client/archive.h"
#include "client/archive_batch.h"

namespace govchain::client::archive::internal {

// SHA-512/256 (FIPS 180-4 section 5.3.6.2): SHA-512's compression function
// with its own initial value, truncated to 32 bytes. Crypto++ 8.7 has no
// class for it; this follows the shape of its SHA384.
class Sha512Truncated256 : public CryptoPP::IteratedHashWithStaticTransform<CryptoPP::word64, CryptoPP::BigEndian, 128,
                                                                            64, Sha512Truncated256, 32, true> {
 public:
  static void InitState(HashWordType* state) {
    static const CryptoPP::word64 initial[8] = {0x22312194FC2BF72CULL, 0x9F555FA3C84C64C2ULL, 0x2393B86B6F53B151ULL,
                                                0x963877195940EABDULL, 0x96283EE2A88EFFE3ULL, 0xBE5E1E2553863992ULL,
                                                0x2B0199FC2C85B8AAULL, 0x0EB72DDC81C52CA2ULL};
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

inline std::unique_ptr<CryptoPP::HashTransformation> new_hash(HashAlgorithm algorithm) {
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

// The number of threads for `thread_count` (0: the machine's cores, at most 8).
unsigned resolve_thread_count(unsigned thread_count);
// Runs work(index) for every index in [0, count) on up to `thread_count`
// threads; the calling thread reports progress. Returns the first failure.
Status run_parallel(uint64_t count, unsigned thread_count, const std::function<Status(uint64_t)>& work,
                    const ProgressFunction& progress);
// Runs work(begin, end) over [0, count) split across threads for large counts.
void parallel_chunks(size_t count, const std::function<void(size_t, size_t)>& work);

// At most this many sections in a batch file's table (2 + 27 stored levels
// for document_count_max + 3 for a renewal, with room to spare).
inline constexpr size_t batch_sections_max = 64;

// The sections of a batch file whose first section starts at
// `first_offset`, each following the one before (docs/archive.md 5.1).
std::vector<BatchSection> batch_layout(uint64_t first_offset, uint64_t document_count, bool renewal,
                                       uint64_t previous_size_bytes);

// Writes all of `bytes` to `descriptor`; `name` is for the message.
Status write_all(int descriptor, ByteView bytes, const std::string& name);
// Renames without ever replacing an existing file (Code::already_exists).
Status rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to);
// Syncs a folder, so that a rename in it survives a crash.
Status sync_directory(const std::filesystem::path& directory);
// The folder a path lies in ("." for a bare name).
std::filesystem::path folder_of(const std::filesystem::path& path);

// A contract query; the receipt's own status is the caller's to check.
Result<chain::Receipt> run_query(const Client& client, std::string_view contract, std::string_view method,
                                 const Bytes& arguments);
// evidence_chain(batch_id) of the archive contract, newest first; `roots`,
// when given, receives each entry's root. Code::not_found for an unknown batch.
Result<std::vector<EvidenceStep>> query_evidence_chain(const Client& client, std::string_view contract,
                                                       const Hash& batch_id, std::vector<Digest>* roots);

}  // namespace govchain::client::archive::internal
