// libFuzzer target: every consensus decoder on arbitrary bytes. The first
// byte picks the decoder; whatever decodes must re-encode to exactly the
// input (one encoding per value), and nothing may crash or leak.
#include <cstdint>
#include <cstdlib>

#include "consensus/certificate.h"
#include "consensus/messages.h"
#include "consensus/wal.h"

using namespace govchain;
using namespace govchain::consensus;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

template <typename Decode, typename Encode>
void round_trip(ByteView input, Decode decode, Encode encode) {
  auto decoded = decode(input);
  if (!decoded.ok()) return;
  Bytes again = encode(*decoded);
  require(again == Bytes(input.begin(), input.end()));
}

void fuzz_wal(ByteView input) {
  auto contents = read_wal(input);
  if (!contents.ok()) return;
  require(contents->valid_size_bytes <= input.size());
  Bytes rebuilt;
  for (const WalRecord& record : contents->records) {
    Bytes frame = encode_wal_frame(record);
    rebuilt.insert(rebuilt.end(), frame.begin(), frame.end());
  }
  require(rebuilt == Bytes(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(contents->valid_size_bytes)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ByteView input(data + 1, size - 1);
  switch (data[0] % 7) {
    case 0:
      round_trip(
          input, [](ByteView bytes) { return decode_vote(bytes); },
          [](const SignedVote& vote) { return encode_vote(vote); });
      break;
    case 1:
      round_trip(
          input, [](ByteView bytes) { return decode_proposal(bytes); },
          [](const SignedProposal& proposal) { return encode_proposal(proposal); });
      break;
    case 2:
      round_trip(
          input, [](ByteView bytes) { return decode_commit(bytes); },
          [](const CommitCertificate& certificate) { return encode_commit(certificate); });
      break;
    case 3:
      round_trip(
          input, [](ByteView bytes) { return decode_evidence(bytes); },
          [](const Evidence& evidence) { return encode_evidence(evidence); });
      break;
    case 4:
      round_trip(
          input, [](ByteView bytes) { return decode_wal_record(bytes); },
          [](const WalRecord& record) { return encode_wal_record(record); });
      break;
    case 5:
      fuzz_wal(input);
      break;
    case 6: {
      codec::Reader reader(input);
      auto set = ValidatorSet::decode(reader);
      if (set.ok() && reader.finish().ok()) {
        codec::Writer writer;
        set->encode(writer);
        require(writer.data() == Bytes(input.begin(), input.end()));
      }
      break;
    }
  }
  return 0;
}
