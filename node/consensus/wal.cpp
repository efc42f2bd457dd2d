#include "consensus/wal.h"

#include "core/limits.h"
#include "crypto/hash.h"

namespace govchain::consensus {

namespace {

constexpr size_t frame_header_size_bytes = 8;
// A record holds at most one proposal with its block, plus framing.
constexpr size_t record_size_bytes_max = limits::block_size_bytes_max + 4096;

uint32_t checksum(ByteView payload) {
  Hash digest = crypto::sha256(payload);
  return uint32_t{digest.data[0]} << 24 | uint32_t{digest.data[1]} << 16 | uint32_t{digest.data[2]} << 8 |
         uint32_t{digest.data[3]};
}

}  // namespace

uint64_t WalRecord::height() const {
  if (kind == Kind::proposal) return proposal->proposal.height;
  return vote->vote.height;
}

WalRecord wal_record_for_proposal(const SignedProposal& proposal) {
  return WalRecord{WalRecord::Kind::proposal, proposal, std::nullopt, {}, {}};
}

WalRecord wal_record_for_vote(const SignedVote& vote, Bytes block, std::vector<SignedVote> prevotes) {
  assert(block.empty() || (vote.vote.type == VoteType::precommit && vote.vote.block_id));
  assert(prevotes.empty() || !block.empty());
  return WalRecord{WalRecord::Kind::vote, std::nullopt, vote, std::move(block), std::move(prevotes)};
}

Bytes encode_wal_record(const WalRecord& record) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.u8(static_cast<uint8_t>(record.kind));
  if (record.kind == WalRecord::Kind::proposal) {
    assert(record.proposal && !record.vote);
    encode_proposal(writer, *record.proposal);
  } else {
    assert(record.vote && !record.proposal);
    encode_vote(writer, *record.vote);
    writer.bytes(record.block);
    writer.count(record.prevotes.size());
    for (const SignedVote& prevote : record.prevotes) encode_vote(writer, prevote);
  }
  return writer.take();
}

Result<WalRecord> decode_wal_record(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(decode_version(reader, "WAL record"));
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t kind, reader.u8());
  WalRecord record;
  if (kind == static_cast<uint8_t>(WalRecord::Kind::proposal)) {
    record.kind = WalRecord::Kind::proposal;
    GOVCHAIN_ASSIGN_OR_RETURN(record.proposal, decode_proposal(reader));
  } else if (kind == static_cast<uint8_t>(WalRecord::Kind::vote)) {
    record.kind = WalRecord::Kind::vote;
    GOVCHAIN_ASSIGN_OR_RETURN(record.vote, decode_vote(reader));
    GOVCHAIN_ASSIGN_OR_RETURN(record.block, reader.bytes(limits::block_size_bytes_max));
    const Vote& vote = record.vote->vote;
    if (!record.block.empty() && (vote.type != VoteType::precommit || !vote.block_id))
      return error(Code::malformed, "WAL vote record carries a block but is not a precommit on a block");
    GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(validators_max * 4, 1 + 1 + 8 + 4 + 1 + 32 + 64));
    if (count > 0 && record.block.empty())
      return error(Code::malformed, "WAL vote record carries prevotes but no block");
    for (size_t i = 0; i < count; ++i) {
      GOVCHAIN_ASSIGN_OR_RETURN(SignedVote prevote, decode_vote(reader));
      const Vote& fields = prevote.vote;
      if (fields.type != VoteType::prevote || fields.height != vote.height || fields.round != vote.round ||
          fields.block_id != vote.block_id)
        return error(Code::malformed,
                     "WAL justification entry " + std::to_string(i) + " is not a prevote for the precommitted block");
      record.prevotes.push_back(prevote);
    }
  } else {
    return error(Code::malformed, "WAL record kind " + std::to_string(kind) + " is unknown");
  }
  GOVCHAIN_TRY(reader.finish());
  return record;
}

Bytes encode_wal_frame(const WalRecord& record) {
  Bytes payload = encode_wal_record(record);
  codec::Writer writer;
  writer.u32(static_cast<uint32_t>(payload.size()));
  writer.u32(checksum(payload));
  writer.raw(payload);
  return writer.take();
}

Result<WalContents> read_wal(ByteView file) {
  WalContents contents;
  size_t position = 0;
  while (position < file.size()) {
    codec::Reader reader(file.subspan(position));
    auto length = reader.u32();
    auto expected_checksum = reader.u32();
    bool whole =
        length.ok() && expected_checksum.ok() && *length <= record_size_bytes_max && reader.remaining() >= *length;
    bool last = !whole || position + frame_header_size_bytes + *length == file.size();
    if (!whole || checksum(file.subspan(position + frame_header_size_bytes, *length)) != *expected_checksum) {
      if (last) {
        contents.torn_tail_dropped = true;
        break;
      }
      return error(Code::corruption,
                   "WAL frame at byte " + std::to_string(position) + " fails its checksum but is not the last frame");
    }
    auto record = decode_wal_record(file.subspan(position + frame_header_size_bytes, *length));
    if (!record.ok())
      return error(Code::corruption,
                   "WAL frame at byte " + std::to_string(position) + ": " + record.status().message());
    contents.records.push_back(std::move(record).value());
    position += frame_header_size_bytes + *length;
    contents.valid_size_bytes = position;
  }
  return contents;
}

}  // namespace govchain::consensus
