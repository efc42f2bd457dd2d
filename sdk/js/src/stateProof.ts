// State proofs of the sparse Merkle tree (docs/state.md): canonical decoding
// and verification, as node/state/proof.cpp.
import { equalBytes, FormatError, toHex } from "./bytes.js";
import { Reader } from "./codec.js";
import { sha256, taggedHash, tags } from "./hash.js";

export const treeDepthMax = 256;
export type Terminal = 0 | 1 | 2; // empty, key_leaf, other_leaf

export interface StateProof {
  siblings: Uint8Array[]; // zero hash: empty sibling
  terminal: Terminal;
  otherKeyHash: Uint8Array;
  otherValueHash: Uint8Array;
}

const zero: Uint8Array = new Uint8Array(32);

export class ProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProofError";
  }
}

export function decodeStateProof(encoded: Uint8Array): StateProof {
  const reader = new Reader(encoded);
  if (reader.u8() !== 1) throw new FormatError("state proof: unsupported format version");
  const depth = reader.u16();
  if (depth > treeDepthMax) throw new FormatError("state proof: depth over 256");
  const bitmap = reader.fixed(Math.ceil(depth / 8));
  if (depth % 8 !== 0 && (bitmap[bitmap.length - 1] & (0xff >> depth % 8)) !== 0)
    throw new FormatError("state proof: unused bits of the sibling bitmap are not zero");
  const siblings: Uint8Array[] = [];
  for (let index = 0; index < depth; index++) {
    if (!(bitmap[index >> 3] & (0x80 >> index % 8))) {
      siblings.push(zero);
      continue;
    }
    const sibling = reader.fixed(32);
    if (equalBytes(sibling, zero)) throw new FormatError("state proof: a sibling marked non-empty is zero");
    siblings.push(sibling);
  }
  const terminal = reader.u8();
  if (terminal > 2) throw new FormatError("state proof: unknown terminal kind");
  let otherKeyHash: Uint8Array = zero;
  let otherValueHash: Uint8Array = zero;
  if (terminal === 2) {
    otherKeyHash = reader.fixed(32);
    otherValueHash = reader.fixed(32);
  }
  reader.finish();
  return { siblings, terminal: terminal as Terminal, otherKeyHash, otherValueHash };
}

export function stateKeyHash(key: Uint8Array): Uint8Array {
  return taggedHash(tags.stateKey, key);
}

function pathBit(keyHash: Uint8Array, depth: number): number {
  return (keyHash[depth >> 3] >> (7 - (depth % 8))) & 1;
}

function terminalHash(keyHash: Uint8Array, value: Uint8Array | null, proof: StateProof): Uint8Array {
  const depth = proof.siblings.length;
  if (proof.terminal === 1) {
    if (value === null) throw new ProofError("the proof shows the key present, but its absence was claimed");
    return taggedHash(tags.leaf, keyHash, sha256(value));
  }
  if (proof.terminal === 0) {
    if (value !== null) throw new ProofError("the proof shows the key absent, but a value was claimed");
    return zero;
  }
  if (value !== null) throw new ProofError("the proof shows the key absent (another key's leaf), but a value was claimed");
  if (equalBytes(proof.otherKeyHash, keyHash)) throw new ProofError("the 'other' leaf has the key's own key hash");
  for (let bit = 0; bit < depth; bit++)
    if (pathBit(proof.otherKeyHash, bit) !== pathBit(keyHash, bit))
      throw new ProofError("the other leaf does not lie on the key's path");
  return taggedHash(tags.leaf, proof.otherKeyHash, proof.otherValueHash);
}

export function rootFromProof(key: Uint8Array, value: Uint8Array | null, proof: StateProof): Uint8Array {
  const siblings = proof.siblings;
  if (siblings.length > 0 && equalBytes(siblings[siblings.length - 1], zero))
    throw new ProofError("the deepest sibling is empty, so the path is longer than the tree");
  const keyHash = stateKeyHash(key);
  let current = terminalHash(keyHash, value, proof);
  for (let index = siblings.length - 1; index >= 0; index--)
    current = pathBit(keyHash, index)
      ? taggedHash(tags.node, siblings[index], current)
      : taggedHash(tags.node, current, siblings[index]);
  return current;
}

/** Throws ProofError unless `proof` shows `key` with `value` (null: absent) under `root`. */
export function verifyStateProof(root: Uint8Array, key: Uint8Array, value: Uint8Array | null, proof: StateProof): void {
  const computed = rootFromProof(key, value, proof);
  if (!equalBytes(computed, root))
    throw new ProofError("the state proof leads to root " + toHex(computed) + ", not to " + toHex(root));
}
