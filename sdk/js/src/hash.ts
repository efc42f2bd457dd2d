// SHA-256 and govchain's tagged hashes: SHA256(SHA256(tag) || SHA256(tag) || m).
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, utf8 } from "./bytes.js";

export { sha256 };

const tagPrefixes = new Map<string, Uint8Array>();

export function taggedHash(tag: string, ...message: Uint8Array[]): Uint8Array {
  let prefix = tagPrefixes.get(tag);
  if (prefix === undefined) {
    const tagHash = sha256(utf8(tag));
    prefix = concat(tagHash, tagHash);
    tagPrefixes.set(tag, prefix);
  }
  return sha256(concat(prefix, ...message));
}

export const tags = {
  block: "govchain/block",
  vote: "govchain/vote",
  leaf: "govchain/leaf",
  node: "govchain/node",
  stateKey: "govchain/state-key",
  validatorSet: "govchain/validator-set",
  commitment: "govchain/commitment",
  trustAnchor: "govchain/trust-anchor",
  archiveBatch: "govchain/archive-batch",
} as const;
