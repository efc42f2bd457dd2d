// Block headers, commit certificates and their checks, as node/chain/block.cpp
// and sdk/client/verify.cpp (client::verify_commit).
import { schnorr } from "@noble/curves/secp256k1.js";
import { compareBytes, equalBytes, FormatError, toHex, utf8 } from "./bytes.js";
import { Reader, Writer } from "./codec.js";
import { taggedHash, tags } from "./hash.js";
import { ProofError } from "./stateProof.js";

export interface CommitSignature {
  validator: Uint8Array;
  signature: Uint8Array;
}
export interface CommitCertificate {
  height: bigint;
  round: number;
  blockHash: Uint8Array;
  signatures: CommitSignature[];
}
export interface Header {
  chainId: string;
  height: bigint;
  timeMs: bigint;
  previousHash: Uint8Array;
  txsRoot: Uint8Array;
  stateRoot: Uint8Array;
  receiptsRoot: Uint8Array;
  proposer: Uint8Array;
  validatorSetHash: Uint8Array;
  lastCommit: CommitCertificate;
}

// As consensus/certificate.h: one signature per validator of a set of at
// most 1,024, rounds up to 2^20, signers strictly ascending (one encoding).
const signaturesMax = 1024;
const roundMax = 1 << 20;

function writeCommit(writer: Writer, commit: CommitCertificate): void {
  writer.u64(commit.height);
  writer.u32(commit.round);
  writer.raw(commit.blockHash);
  writer.u32(commit.signatures.length);
  for (const entry of commit.signatures) {
    writer.raw(entry.validator);
    writer.raw(entry.signature);
  }
}

export function encodeHeader(header: Header): Uint8Array {
  const writer = new Writer();
  writer.u8(1);
  writer.text(header.chainId);
  writer.u64(header.height);
  writer.i64(header.timeMs);
  for (const field of [header.previousHash, header.txsRoot, header.stateRoot, header.receiptsRoot, header.proposer,
    header.validatorSetHash])
    writer.raw(field);
  writeCommit(writer, header.lastCommit);
  return writer.data();
}

export function blockHash(header: Header): Uint8Array {
  return taggedHash(tags.block, encodeHeader(header));
}

function readCommit(reader: Reader): CommitCertificate {
  const height = reader.u64();
  const round = reader.u32();
  if (round > roundMax) throw new FormatError("certificate round " + round + " is beyond " + roundMax);
  const blockHash = reader.fixed(32);
  const count = reader.count(signaturesMax, 96);
  const signatures: CommitSignature[] = [];
  for (let i = 0; i < count; i++) {
    const entry = { validator: reader.fixed(32), signature: reader.fixed(64) };
    if (i > 0 && compareBytes(signatures[i - 1].validator, entry.validator) >= 0)
      throw new FormatError("certificate signers are not strictly ascending at entry " + i);
    signatures.push(entry);
  }
  return { height, round, blockHash, signatures };
}

/** The header encoding the node serves (header_hex). */
export function decodeHeader(bytes: Uint8Array): Header {
  const reader = new Reader(bytes);
  if (reader.u8() !== 1) throw new ProofError("unsupported header format version");
  const chainId = reader.text(64);
  const height = reader.u64();
  const timeMs = reader.i64();
  const [previousHash, txsRoot, stateRoot, receiptsRoot, proposer, validatorSetHash] = [0, 1, 2, 3, 4, 5].map(() =>
    reader.fixed(32),
  );
  const lastCommit = readCommit(reader);
  reader.finish();
  return { chainId, height, timeMs, previousHash, txsRoot, stateRoot, receiptsRoot, proposer, validatorSetHash,
    lastCommit };
}

/** The certificate's one encoding, as chain::encode_commit writes it. */
export function encodeCommit(commit: CommitCertificate): Uint8Array {
  const writer = new Writer();
  writeCommit(writer, commit);
  return writer.data();
}

export function decodeCommit(bytes: Uint8Array): CommitCertificate {
  const reader = new Reader(bytes);
  const commit = readCommit(reader);
  reader.finish();
  return commit;
}

export function validatorSetHash(validators: Uint8Array[]): Uint8Array {
  const sorted = [...validators].sort(compareBytes);
  const writer = new Writer();
  writer.u32(sorted.length);
  for (const key of sorted) writer.raw(key);
  return taggedHash(tags.validatorSet, writer.data());
}

export function commitSignHash(chainId: string, height: bigint, round: number, hash: Uint8Array,
  validator: Uint8Array): Uint8Array {
  const writer = new Writer();
  writer.text(chainId);
  writer.u8(2);
  writer.u64(height);
  writer.u32(round);
  writer.boolean(true);
  writer.raw(hash);
  writer.raw(validator);
  return taggedHash(tags.vote, writer.data());
}

export interface CommitCheck {
  signaturesValid: number;
  validatorsTotal: number;
}

/**
 * As client::verify_commit (consensus::verify_commit_certificate): every
 * signer a member of `validators` and there once, every signature valid, and
 * more than two thirds of `validators` signed `header`'s block.
 */
export function verifyCommit(header: Header, commit: CommitCertificate, validators: Uint8Array[]): CommitCheck {
  if (validators.length === 0) throw new ProofError("no validators to check the commit against");
  const hash = blockHash(header);
  if (commit.height !== header.height) throw new ProofError("the commit certificate is for another height");
  if (!equalBytes(commit.blockHash, hash)) throw new ProofError("the commit certificate is for another block");
  if (!equalBytes(header.validatorSetHash, validatorSetHash(validators)))
    throw new ProofError("the header's validator set hash is not that of the given validator set");
  const members = new Set(validators.map(toHex));
  const signers = new Set<string>();
  for (const entry of commit.signatures) {
    const key = toHex(entry.validator);
    if (!members.has(key)) throw new ProofError("certificate signer " + key + " is not a validator");
    if (signers.has(key)) throw new ProofError("certificate signer " + key + " appears twice");
    const digest = commitSignHash(header.chainId, commit.height, commit.round, hash, entry.validator);
    let valid = false;
    try {
      valid = schnorr.verify(entry.signature, digest, entry.validator);
    } catch {
      valid = false;
    }
    if (!valid) throw new ProofError("commit signature of validator " + key + " does not verify");
    signers.add(key);
  }
  const check = { signaturesValid: signers.size, validatorsTotal: members.size };
  if (3 * check.signaturesValid <= 2 * check.validatorsTotal)
    throw new ProofError(`only ${check.signaturesValid} of ${check.validatorsTotal} validators signed the commit; ` +
      "more than two thirds are needed");
  return check;
}

export function encodeUtf8Length(text: string): number {
  return utf8(text).length;
}
