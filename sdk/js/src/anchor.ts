// Trust anchors (sdk/client/trust_anchor.h): the validator set a verifier
// starts from, named by anchor_id = tagged_hash("govchain/trust-anchor", encode(anchor)).
import { compareBytes, equalBytes, FormatError, hash32FromHex, toHex } from "./bytes.js";
import { Writer } from "./codec.js";
import { taggedHash, tags } from "./hash.js";

export interface TrustAnchor {
  chainId: string;
  height: bigint;
  validators: Uint8Array[]; // sorted ascending, distinct
}

export function encodeTrustAnchor(anchor: TrustAnchor): Uint8Array {
  const writer = new Writer();
  writer.u8(1);
  writer.text(anchor.chainId);
  writer.u64(anchor.height);
  writer.u32(anchor.validators.length);
  for (const key of anchor.validators) writer.raw(key);
  return writer.data();
}

export function trustAnchorId(anchor: TrustAnchor): Uint8Array {
  return taggedHash(tags.trustAnchor, encodeTrustAnchor(anchor));
}

export function sameAnchor(left: TrustAnchor, right: TrustAnchor): boolean {
  return equalBytes(encodeTrustAnchor(left), encodeTrustAnchor(right));
}

/** Reads the JSON form {"format": "govchain-trust-anchor", "version": 1, chain_id, height, validators, id?}. */
export function trustAnchorFromJson(object: unknown): TrustAnchor {
  const value = object as Record<string, unknown>;
  if (typeof value !== "object" || value === null || value.format !== "govchain-trust-anchor" || value.version !== 1)
    throw new FormatError("not a govchain trust anchor of version 1");
  if (typeof value.chain_id !== "string" || value.chain_id.length === 0 || value.chain_id.length > 64)
    throw new FormatError("trust anchor: chain_id must be a text of 1..64 bytes");
  if (typeof value.height !== "number" || !Number.isSafeInteger(value.height) || value.height < 1)
    throw new FormatError("trust anchor: height must be a number >= 1");
  if (!Array.isArray(value.validators) || value.validators.length === 0 || value.validators.length > 1024)
    throw new FormatError("trust anchor: 1..1024 validators");
  const validators = value.validators.map((key) => {
    if (typeof key !== "string") throw new FormatError("trust anchor: a validator is not hex");
    return hash32FromHex(key, "validator key");
  });
  validators.sort(compareBytes);
  for (let i = 1; i < validators.length; i++)
    if (compareBytes(validators[i - 1], validators[i]) === 0) throw new FormatError("trust anchor: a validator twice");
  const anchor = { chainId: value.chain_id, height: BigInt(value.height), validators };
  if (value.id !== undefined && value.id !== toHex(trustAnchorId(anchor)))
    throw new FormatError("trust anchor: its id is not the hash of its contents");
  return anchor;
}

export function trustAnchorToJson(anchor: TrustAnchor): Record<string, unknown> {
  return {
    format: "govchain-trust-anchor",
    version: 1,
    chain_id: anchor.chainId,
    height: Number(anchor.height),
    validators: anchor.validators.map(toHex),
    id: toHex(trustAnchorId(anchor)),
  };
}
