// What a QR code carries (docs/verification.md section 7; sdk/client/verify_link.h):
// "https://<portal>/verify#<base32 payload>", or the bare reference
// "govchain:1:<chain>:<contract>:<id hex>:<commitment hex>".
import { base32Decode, base32Encode, FormatError, hash32FromHex } from "./bytes.js";
import { Reader, Writer } from "./codec.js";
import type { CertificateReference } from "./certificate.js";

export interface VerifyPayload {
  reference: CertificateReference;
  type: string;
  bundle: Uint8Array | null;
}

export function encodeVerifyPayload(payload: VerifyPayload): Uint8Array {
  const writer = new Writer();
  writer.u8(1);
  writer.u8(payload.bundle === null ? 0 : 1);
  writer.text(payload.reference.chainId);
  writer.text(payload.reference.contract);
  writer.text(payload.type);
  writer.raw(payload.reference.id);
  writer.raw(payload.reference.commitment);
  if (payload.bundle !== null) writer.bytes(payload.bundle);
  return writer.data();
}

export function decodeVerifyPayload(bytes: Uint8Array): VerifyPayload {
  const reader = new Reader(bytes);
  if (reader.u8() !== 1) throw new FormatError("verification payload: unknown version");
  const flags = reader.u8();
  if ((flags & ~1) !== 0) throw new FormatError("verification payload: unknown flags");
  const chainId = reader.text(64);
  const contract = reader.text(64);
  const type = reader.text(64);
  if (chainId === "" || contract === "") throw new FormatError("verification payload: no chain id or no contract");
  const id = reader.fixed(32);
  const commitment = reader.fixed(32);
  let bundle: Uint8Array | null = null;
  if (flags & 1) {
    bundle = reader.bytes(512 * 1024);
    if (bundle.length === 0) throw new FormatError("verification payload: an empty bundle");
  }
  reader.finish();
  return { reference: { chainId, contract, id, commitment }, type, bundle };
}

export function verifyLink(baseUrl: string, payload: VerifyPayload): string {
  const text = base32Encode(encodeVerifyPayload(payload));
  if (baseUrl === "") return text;
  return baseUrl.replace(/\/+$/, "") + "/verify#" + text;
}

function referenceFromText(text: string): CertificateReference {
  const fields = text.split(":");
  if (fields.length !== 6 || fields[0] !== "govchain" || fields[1] !== "1" || fields[2] === "" || fields[3] === "")
    throw new FormatError("a govchain QR text has six fields: govchain:1:<chain id>:<contract>:<id hex>:<commitment hex>");
  return { chainId: fields[2], contract: fields[3], id: hash32FromHex(fields[4], "certificate id"),
    commitment: hash32FromHex(fields[5], "commitment") };
}

/** Reads a link, a bare payload text, or "govchain:1:..." (client::verify_payload_from_text). */
export function verifyPayloadFromText(input: string): VerifyPayload {
  let text = input.trim();
  if (text.startsWith("govchain:")) return { reference: referenceFromText(text), type: "", bundle: null };
  const hash = text.indexOf("#");
  if (hash >= 0) text = text.slice(hash + 1);
  return decodeVerifyPayload(base32Decode(text));
}
