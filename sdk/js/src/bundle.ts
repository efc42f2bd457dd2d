// Proof bundles (docs/verification.md sections 3-4; sdk/client/bundle.h):
// canonical decoding and encoding with the key table, and verification
// against a trust anchor.
import { compareBytes, equalBytes, FormatError, toHex, utf8 } from "./bytes.js";
import { Reader, Writer } from "./codec.js";
import type { TrustAnchor } from "./anchor.js";
import { trustAnchorId } from "./anchor.js";
import { blockHash, type CommitCertificate, type CommitCheck, type CommitSignature, type Header, validatorSetHash,
  verifyCommit } from "./chain.js";
import { decodeStateProof, ProofError, type StateProof, verifyStateProof } from "./stateProof.js";

export const bundleSizeBytesMax = 512 * 1024;
const entriesMax = 16;
const changesMax = 256;
const explicitKey = 0xffff;
const signaturesMax = 1000;

export interface CertifiedBlock {
  header: Header;
  commit: CommitCertificate;
}
export interface BundleEntry {
  key: Uint8Array;
  value: Uint8Array | null;
  proof: StateProof;
  proofBytes: Uint8Array;
}
export interface ValidatorChange {
  activationHeight: bigint;
  validatorsValue: Uint8Array;
  proof: StateProof;
  proofBytes: Uint8Array;
  block: CertifiedBlock;
}
export interface ProofBundle {
  chainId: string;
  anchorId: Uint8Array;
  anchorHeight: bigint;
  changes: ValidatorChange[];
  block: CertifiedBlock;
  entries: BundleEntry[];
}
export interface BundleHead {
  chainId: string;
  anchorId: Uint8Array;
  anchorHeight: bigint;
}
export interface BundleCheck {
  anchorId: Uint8Array;
  anchorHeight: bigint;
  validatorChanges: number;
  height: bigint;
  blockTimeMs: bigint;
  blockHash: Uint8Array;
  stateRoot: Uint8Array;
  commit: CommitCheck;
}

class KeyTable {
  private keys: Uint8Array[] = [];
  private index = new Map<string, number>();
  constructor(initial: Uint8Array[]) {
    for (const key of initial) this.add(key);
  }
  add(key: Uint8Array): void {
    const hex = toHex(key);
    if (this.keys.length >= explicitKey || this.index.has(hex)) return;
    this.index.set(hex, this.keys.length);
    this.keys.push(key);
  }
  find(key: Uint8Array): number | undefined {
    return this.index.get(toHex(key));
  }
  size(): number {
    return this.keys.length;
  }
  at(index: number): Uint8Array {
    return this.keys[index];
  }
}

/** The keys of a "g/v" value: u32 count, then (32-byte key, text municipality), sorted by key. */
export function validatorKeysOfValue(value: Uint8Array): Uint8Array[] {
  const reader = new Reader(value);
  const count = reader.count(1024, 33);
  const keys: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const key = reader.fixed(32);
    reader.bytes(256);
    if (keys.length > 0 && compareBytes(keys[keys.length - 1], key) >= 0)
      throw new FormatError("validators value: keys not sorted and distinct");
    keys.push(key);
  }
  reader.finish();
  if (keys.length === 0) throw new FormatError("a validator set change to an empty set");
  return keys;
}

function readKey(reader: Reader, table: KeyTable): Uint8Array {
  const index = reader.u16();
  if (index !== explicitKey) {
    if (index >= table.size()) throw new FormatError("key index outside the key table");
    return table.at(index);
  }
  const key = reader.fixed(32);
  if (table.find(key) !== undefined) throw new FormatError("a key of the key table written out in full");
  return key;
}

function readSignatures(reader: Reader, table: KeyTable): CommitSignature[] {
  const count = reader.u16();
  if (count > signaturesMax) throw new FormatError("more than 1000 signatures");
  if (reader.remaining() < count * 66) throw new FormatError("too short for its signatures");
  const list: CommitSignature[] = [];
  for (let i = 0; i < count; i++) list.push({ validator: readKey(reader, table), signature: reader.fixed(64) });
  return list;
}

function lastCommitDerived(header: Header): boolean {
  return header.lastCommit.height + 1n === header.height && equalBytes(header.lastCommit.blockHash, header.previousHash);
}

function readHeader(reader: Reader, table: KeyTable, chainId: string, deciding: Uint8Array[]): Header {
  const height = reader.u64();
  if (height === 0n) throw new FormatError("a header at height 0");
  const timeMs = reader.i64();
  const previousHash = reader.fixed(32);
  const txsRoot = reader.fixed(32);
  const stateRoot = reader.fixed(32);
  const receiptsRoot = reader.fixed(32);
  const proposer = readKey(reader, table);
  const form = reader.u8();
  const header: Header = { chainId, height, timeMs, previousHash, txsRoot, stateRoot, receiptsRoot, proposer,
    validatorSetHash: validatorSetHash(deciding),
    lastCommit: { height: height - 1n, round: 0, blockHash: previousHash, signatures: [] } };
  if (form === 1) {
    header.lastCommit.height = reader.u64();
    header.lastCommit.blockHash = reader.fixed(32);
    if (lastCommitDerived(header)) throw new FormatError("a derivable last commit is written out");
  } else if (form !== 0) {
    throw new FormatError("unknown last-commit form");
  }
  header.lastCommit.round = reader.u32();
  header.lastCommit.signatures = readSignatures(reader, table);
  return header;
}

function readBlock(reader: Reader, table: KeyTable, chainId: string, deciding: Uint8Array[]): CertifiedBlock {
  const header = readHeader(reader, table, chainId, deciding);
  const commit: CommitCertificate = { height: header.height, round: reader.u32(), blockHash: blockHash(header),
    signatures: [] };
  commit.signatures = readSignatures(reader, table);
  return { header, commit };
}

function readHead(reader: Reader): BundleHead {
  const version = reader.u8();
  if (version !== 1)
    throw new FormatError(`proof bundle of unknown format version ${version} (this verifier reads version 1)`);
  const chainId = reader.text(64);
  if (chainId.length === 0) throw new FormatError("proof bundle: no chain id");
  const anchorId = reader.fixed(32);
  const anchorHeight = reader.u64();
  if (anchorHeight === 0n) throw new FormatError("proof bundle: trust anchor height 0");
  return { chainId, anchorId, anchorHeight };
}

export function peekBundle(bytes: Uint8Array): BundleHead {
  if (bytes.length > bundleSizeBytesMax) throw new FormatError("proof bundle larger than 512 KiB");
  return readHead(new Reader(bytes));
}

/** Decodes a bundle that starts from `anchor`; proves nothing (see verifyBundle). */
export function decodeBundle(bytes: Uint8Array, anchor: TrustAnchor): ProofBundle {
  const head = peekBundle(bytes);
  if (!equalBytes(head.anchorId, trustAnchorId(anchor)) || head.anchorHeight !== anchor.height)
    throw new ProofError("the bundle starts from trust anchor " + toHex(head.anchorId) + ", not from the given one");
  const reader = new Reader(bytes);
  readHead(reader);
  let current = anchor.validators;
  const table = new KeyTable(current);
  const changeCount = reader.u16();
  if (changeCount > changesMax) throw new FormatError("more than 256 validator set changes");
  const changes: ValidatorChange[] = [];
  for (let i = 0; i < changeCount; i++) {
    const activationHeight = reader.u64();
    const block = readBlock(reader, table, head.chainId, current);
    const validatorsValue = reader.bytes(64 * 1024);
    const proofBytes = reader.bytes(64 + 33 * 256);
    const proof = decodeStateProof(proofBytes);
    current = validatorKeysOfValue(validatorsValue);
    for (const key of current) table.add(key);
    changes.push({ activationHeight, validatorsValue, proof, proofBytes, block });
  }
  const block = readBlock(reader, table, head.chainId, current);
  const entryCount = reader.u16();
  if (entryCount === 0 || entryCount > entriesMax) throw new FormatError("a bundle holds 1..16 state entries");
  const entries: BundleEntry[] = [];
  for (let i = 0; i < entryCount; i++) {
    const key = reader.bytes(1024);
    if (key.length === 0) throw new FormatError("an entry with an empty key");
    const value = reader.boolean() ? reader.bytes(64 * 1024) : null;
    const proofBytes = reader.bytes(64 + 33 * 256);
    entries.push({ key, value, proof: decodeStateProof(proofBytes), proofBytes });
  }
  for (let i = 0; i < entries.length; i++)
    for (let j = i + 1; j < entries.length; j++)
      if (equalBytes(entries[i].key, entries[j].key)) throw new FormatError("the same key twice");
  reader.finish();
  return { chainId: head.chainId, anchorId: head.anchorId, anchorHeight: head.anchorHeight, changes, block, entries };
}

function writeKey(writer: Writer, table: KeyTable, key: Uint8Array): void {
  const index = table.find(key);
  if (index !== undefined) {
    writer.u16(index);
    return;
  }
  writer.u16(explicitKey);
  writer.raw(key);
}

function writeSignatures(writer: Writer, table: KeyTable, list: CommitSignature[]): void {
  writer.u16(list.length);
  for (const entry of list) {
    writeKey(writer, table, entry.validator);
    writer.raw(entry.signature);
  }
}

function writeBlock(writer: Writer, table: KeyTable, block: CertifiedBlock, deciding: Uint8Array[]): void {
  const header = block.header;
  if (!equalBytes(header.validatorSetHash, validatorSetHash(deciding)))
    throw new ProofError("block names another validator set than the one the changes lead to");
  if (block.commit.height !== header.height || !equalBytes(block.commit.blockHash, blockHash(header)))
    throw new ProofError("the commit certificate is not for its block");
  writer.u64(header.height);
  writer.i64(header.timeMs);
  for (const field of [header.previousHash, header.txsRoot, header.stateRoot, header.receiptsRoot]) writer.raw(field);
  writeKey(writer, table, header.proposer);
  const derived = lastCommitDerived(header);
  writer.u8(derived ? 0 : 1);
  if (!derived) {
    writer.u64(header.lastCommit.height);
    writer.raw(header.lastCommit.blockHash);
  }
  writer.u32(header.lastCommit.round);
  writeSignatures(writer, table, header.lastCommit.signatures);
  writer.u32(block.commit.round);
  writeSignatures(writer, table, block.commit.signatures);
}

/** The canonical encoding; the same bytes as client::encode_bundle. */
export function encodeBundle(bundle: ProofBundle, anchorValidators: Uint8Array[]): Uint8Array {
  let current = [...anchorValidators].sort(compareBytes);
  const table = new KeyTable(current);
  const writer = new Writer();
  writer.u8(1);
  writer.text(bundle.chainId);
  writer.raw(bundle.anchorId);
  writer.u64(bundle.anchorHeight);
  writer.u16(bundle.changes.length);
  for (const change of bundle.changes) {
    writer.u64(change.activationHeight);
    writeBlock(writer, table, change.block, current);
    writer.bytes(change.validatorsValue);
    writer.bytes(change.proofBytes);
    current = validatorKeysOfValue(change.validatorsValue);
    for (const key of current) table.add(key);
  }
  writeBlock(writer, table, bundle.block, current);
  writer.u16(bundle.entries.length);
  for (const entry of bundle.entries) {
    writer.bytes(entry.key);
    writer.boolean(entry.value !== null);
    if (entry.value !== null) writer.bytes(entry.value);
    writer.bytes(entry.proofBytes);
  }
  return writer.data();
}

const validatorsKey = utf8("g/v");

/** As client::verify_bundle; throws ProofError (or FormatError) naming the first thing that does not hold. */
export function verifyBundle(bundle: ProofBundle, anchor: TrustAnchor): BundleCheck {
  if (bundle.chainId !== anchor.chainId)
    throw new ProofError(`the bundle is for chain '${bundle.chainId}', the trust anchor for '${anchor.chainId}'`);
  const anchorId = trustAnchorId(anchor);
  if (!equalBytes(bundle.anchorId, anchorId) || bundle.anchorHeight !== anchor.height)
    throw new ProofError("the bundle starts from another trust anchor");
  let current = anchor.validators;
  let decidesFrom = anchor.height;
  for (const change of bundle.changes) {
    const what = `validator set change at height ${change.activationHeight}`;
    if (change.activationHeight < decidesFrom + 1n || change.block.header.height + 1n !== change.activationHeight)
      throw new ProofError(what + ": out of order, or proven in the wrong block");
    if (change.block.header.chainId !== bundle.chainId) throw new ProofError(what + ": another chain's block");
    verifyCommit(change.block.header, change.block.commit, current);
    verifyStateProof(change.block.header.stateRoot, validatorsKey, change.validatorsValue, change.proof);
    current = validatorKeysOfValue(change.validatorsValue);
    decidesFrom = change.activationHeight;
  }
  const header = bundle.block.header;
  if (header.height < decidesFrom || header.chainId !== bundle.chainId)
    throw new ProofError("the bundle's block lies before its last validator set change or on another chain");
  const commit = verifyCommit(header, bundle.block.commit, current);
  for (const entry of bundle.entries) verifyStateProof(header.stateRoot, entry.key, entry.value, entry.proof);
  return { anchorId, anchorHeight: anchor.height, validatorChanges: bundle.changes.length, height: header.height,
    blockTimeMs: header.timeMs, blockHash: blockHash(header), stateRoot: header.stateRoot, commit };
}

/** The value a bundle holds for `key` (null: proven absent); undefined when it holds no entry for it. */
export function bundleValue(bundle: ProofBundle, key: Uint8Array): Uint8Array | null | undefined {
  for (const entry of bundle.entries) if (equalBytes(entry.key, key)) return entry.value;
  return undefined;
}
