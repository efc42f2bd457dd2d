// Helpers for the native contract tests (doctest, against the mock host):
// argument building, result reading, ids, commitments, the verification
// answer and the personal-data check. Include it in exactly one translation
// unit of a test program (it includes govchain/mock_host.h, which defines
// the host functions); link libsecp256k1.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "govchain/govchain.h"
#include "govchain/mock_host.h"

namespace test {

using govchain::Bytes32;
using govchain::Hash;
using govchain::PublicKey;
using govchain::mock::ByteString;

// Canonically encoded call arguments.
class Args {
 public:
  Args& hash(const Bytes32& value) {
    writer_.fixed(value);
    return *this;
  }
  Args& text(const std::string& value) {
    writer_.text(govchain::Bytes(reinterpret_cast<const uint8_t*>(value.data()), uint32_t(value.size())));
    return *this;
  }
  Args& bytes(const ByteString& value) {
    writer_.bytes(govchain::Bytes(value.data(), uint32_t(value.size())));
    return *this;
  }
  Args& i64(int64_t value) {
    writer_.i64(value);
    return *this;
  }
  Args& u64(uint64_t value) {
    writer_.u64(value);
    return *this;
  }
  Args& count(uint32_t value) {
    writer_.count(value);
    return *this;
  }
  Args& signature(const govchain::Signature& value) {
    writer_.raw(value.view());
    return *this;
  }
  Args& boolean(bool value) {
    writer_.boolean(value);
    return *this;
  }
  Args& texts(std::initializer_list<std::string> values) {
    writer_.count(uint32_t(values.size()));
    for (const auto& value : values) text(value);
    return *this;
  }
  operator ByteString() const { return ByteString(writer_.data().begin(), writer_.data().end()); }

 private:
  govchain::Writer writer_;
};

// Reads a call's return data. The views it hands out live until the next call.
class Result {
 public:
  explicit Result(const govchain::mock::CallResult& result) : bytes_(result.output), reader_(view()) {}
  std::string text() {
    govchain::String value = reader_.text();
    return std::string(value.begin(), value.end());
  }
  Hash hash() { return reader_.fixed(); }
  int64_t i64() { return reader_.i64(); }
  uint64_t u64() { return reader_.u64(); }
  uint32_t count() { return reader_.count(); }
  bool boolean() { return reader_.boolean(); }
  govchain::Reader& reader() { return reader_; }
  void finish() { reader_.finish(); }

 private:
  govchain::Bytes view() const { return govchain::Bytes(bytes_.data(), uint32_t(bytes_.size())); }
  ByteString bytes_;
  govchain::Reader reader_;
};

// A distinct 32-byte id per label, as a client would pick at random.
inline Hash id(const std::string& label) {
  auto digest = govchain::mock::sha256(reinterpret_cast<const uint8_t*>(label.data()), label.size());
  Hash out;
  std::copy(digest.begin(), digest.end(), out.bytes);
  return out;
}

// The commitment rule of docs/certificates.md:
// tagged_hash("govchain/commitment", salt || canonical(document)).
inline Hash commitment(const Hash& salt, const std::string& canonical_document) {
  ByteString message(salt.bytes, salt.bytes + 32);
  message.insert(message.end(), canonical_document.begin(), canonical_document.end());
  std::string tag = "govchain/commitment";
  auto digest = govchain::mock::tagged_hash(ByteString(tag.begin(), tag.end()), message);
  Hash out;
  std::copy(digest.begin(), digest.end(), out.bytes);
  return out;
}

// The verification answer of the standard `verify` and `verify_in_zone`
// queries (the ABI struct "verification").
struct Verdict {
  std::string verdict;
  std::string reason;
  std::string status;
  int64_t at_time_ms = 0;
  std::string type;
  std::string municipality;
  int64_t valid_from_ms = 0;
  int64_t valid_until_ms = 0;
};

inline Verdict read_verdict(const govchain::mock::CallResult& result) {
  REQUIRE_MESSAGE(result.ok, result.error);
  Result reader(result);
  Verdict verdict;
  verdict.verdict = reader.text();
  verdict.reason = reader.text();
  verdict.status = reader.text();
  verdict.at_time_ms = reader.i64();
  verdict.type = reader.text();
  verdict.municipality = reader.text();
  reader.hash();  // issuer
  reader.text();  // issuer_municipality
  verdict.valid_from_ms = reader.i64();
  verdict.valid_until_ms = reader.i64();
  reader.finish();
  return verdict;
}

inline std::string error_of(const govchain::mock::CallResult& result) {
  CHECK_FALSE(result.ok);
  return result.error;
}

// Every byte string stored by any contract, for the personal-data check.
inline std::string all_storage(const govchain::mock::Host& host) {
  std::string all;
  for (const auto& [contract, space] : host.storage)
    for (const auto& [key, value] : space) {
      all.append(key.begin(), key.end());
      all.append(value.begin(), value.end());
    }
  for (const auto& event : host.all_events) all.append(event.data.begin(), event.data.end());
  return all;
}

constexpr int64_t hour_ms = 3'600'000;
constexpr int64_t day_ms = 24 * hour_ms;

}  // namespace test
