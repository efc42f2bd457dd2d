// Write-ahead-log records of the consensus state machine.
//
// The machine emits a Persist action for every proposal and vote it signs,
// before the matching Broadcast. The application appends the record to its
// WAL file and syncs it, and only then sends. After a crash the application
// reads the file back with read_wal() and hands the records to
// Machine::restore(), so the restarted machine never signs a conflicting
// message for a height, round and step it already signed, and keeps its lock.
//
// File format: a sequence of frames, each
//   u32 payload length | u32 checksum | payload
// where checksum is the first four bytes (big-endian) of SHA-256(payload) and
// the payload is one encoded WalRecord. A crash during an append leaves a
// torn last frame; read_wal() detects it (short frame or checksum mismatch at
// the end) and drops it. A bad frame followed by more frames is corruption.
//
// Plain values and pure functions; safe to use from any thread.
#pragma once

#include <optional>
#include <vector>

#include "consensus/messages.h"

namespace govchain::consensus {

// One signed message of this validator. For a precommit on a block the
// record also carries the block bytes and the quorum of prevotes that made
// the machine lock, so that the restarted machine can restore its locked
// (and valid) value, re-propose it, and show others why they may accept it.
struct WalRecord {
  enum class Kind : uint8_t { proposal = 1, vote = 2 };
  Kind kind = Kind::vote;
  std::optional<SignedProposal> proposal;  // set when kind == proposal
  std::optional<SignedVote> vote;          // set when kind == vote
  Bytes block;                             // for a non-nil precommit; else empty
  std::vector<SignedVote> prevotes;        // for a non-nil precommit: its justification

  uint64_t height() const;
  bool operator==(const WalRecord&) const = default;
};

WalRecord wal_record_for_proposal(const SignedProposal& proposal);
WalRecord wal_record_for_vote(const SignedVote& vote, Bytes block = {}, std::vector<SignedVote> prevotes = {});

// The payload alone (no frame), and its decoder.
Bytes encode_wal_record(const WalRecord& record);
Result<WalRecord> decode_wal_record(ByteView bytes);

// One frame (length, checksum, payload), ready to append to the WAL file.
Bytes encode_wal_frame(const WalRecord& record);

struct WalContents {
  std::vector<WalRecord> records;
  // Bytes of the file that hold whole, valid frames; the application
  // truncates the file to this size before appending again.
  size_t valid_size_bytes = 0;
  bool torn_tail_dropped = false;
};

// Reads a whole WAL file. A torn last frame is dropped (and reported);
// anything else that does not decode is Code::corruption.
Result<WalContents> read_wal(ByteView file);

}  // namespace govchain::consensus
