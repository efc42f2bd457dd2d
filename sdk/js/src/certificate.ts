// Certificates: commitments, the stored record, the lifecycle verdict and
// the use-case rules, and verification from a proof bundle
// (docs/verification.md section 5; sdk/client/bundle_verify.h).
import { concat, equalBytes, FormatError, toHex, utf8 } from "./bytes.js";
import { Reader, Writer } from "./codec.js";
import { sameAnchor, type TrustAnchor, trustAnchorId } from "./anchor.js";
import { type BundleCheck, bundleValue, decodeBundle, verifyBundle } from "./bundle.js";
import { taggedHash, tags } from "./hash.js";

export interface HistoryEntry {
  height: bigint;
  timeMs: number;
  actor: Uint8Array;
  municipality: string;
  status: string;
  reason: string;
}
export interface CertificateRecord {
  id: Uint8Array;
  type: string;
  issuer: Uint8Array;
  issuerMunicipality: string;
  authority: string;
  issuerAuthorized: boolean;
  municipality: string;
  commitment: Uint8Array;
  validFromMs: number;
  validUntilMs: number;
  status: string;
  history: HistoryEntry[];
}
export interface CertificateReference {
  chainId: string;
  contract: string;
  id: Uint8Array;
  commitment: Uint8Array;
}
export interface Verdict {
  verdict: string;
  reason: string;
  status: string;
  atTimeMs: number;
}

export const dogPermitType = "dog_permit";
export const streetMusicType = "street_music_permit";
export const archiveBatchType = "archive_batch";

const textMax = 64 * 1024;

/** commitment = tagged_hash("govchain/commitment", salt || canonical(document)). */
export function computeCommitment(salt: Uint8Array, canonicalDocument: string): Uint8Array {
  return taggedHash(tags.commitment, concat(salt, utf8(canonicalDocument)));
}

export function decodeStoredRecord(value: Uint8Array): CertificateRecord {
  const reader = new Reader(value);
  if (reader.u8() !== 1) throw new FormatError("stored certificate record: unknown format version");
  const record: CertificateRecord = {
    id: reader.fixed(32), type: reader.text(textMax), issuer: reader.fixed(32), issuerMunicipality: reader.text(textMax),
    authority: reader.text(textMax), issuerAuthorized: reader.boolean(), municipality: reader.text(textMax),
    commitment: reader.fixed(32), validFromMs: Number(reader.i64()), validUntilMs: Number(reader.i64()),
    status: reader.text(textMax), history: [],
  };
  const count = reader.count(200, 8 + 8 + 32 + 12);
  for (let i = 0; i < count; i++)
    record.history.push({ height: reader.u64(), timeMs: Number(reader.i64()), actor: reader.fixed(32),
      municipality: reader.text(textMax), status: reader.text(textMax), reason: reader.text(textMax) });
  reader.finish();
  return record;
}

function contractKey(contract: string, prefix: string, id: Uint8Array): Uint8Array {
  return concat(utf8("c/s/" + contract + "/" + prefix), id);
}

export function certificateRecordKey(contract: string, id: Uint8Array): Uint8Array {
  return contractKey(contract, "cert/", id);
}

function factPrefix(type: string): string | undefined {
  return ({ [dogPermitType]: "dog/", [streetMusicType]: "music/", [archiveBatchType]: "batch/" } as Record<string, string>)[
    type];
}

/** The contract SDK's key of a certificate's zone (cert::set_zone), for any other contract that declares zones. */
const standardZonePrefix = "zone/";

/**
 * The state keys of a certificate's bundle: its record and its use-case facts, or for any other type the contract
 * SDK's zone key (client::certificate_bundle_keys).
 */
export function certificateBundleKeys(contract: string, type: string, id: Uint8Array): Uint8Array[] {
  const keys = [certificateRecordKey(contract, id)];
  keys.push(contractKey(contract, factPrefix(type) ?? standardZonePrefix, id));
  return keys;
}

/** The shared lifecycle (client::lifecycle_verdict; sdk/contract/govchain/verify.h). */
export function lifecycleVerdict(record: CertificateRecord | null, commitment: Uint8Array, atTimeMs: number): Verdict {
  const answer = (verdict: string, reason: string, status: string): Verdict => ({ verdict, reason, status, atTimeMs });
  if (record === null) return answer("unknown_id", "", "");
  if (!equalBytes(record.commitment, commitment)) return answer("commitment_mismatch", "", record.status);
  if (!record.issuerAuthorized) return answer("issuer_lacked_role", record.authority, record.status);
  let entry: HistoryEntry | undefined;
  for (const candidate of record.history) {
    if (candidate.timeMs > atTimeMs) break;
    entry = candidate;
  }
  if (entry === undefined) return answer("not_yet_valid", "not_issued_yet", record.status);
  if (entry.status === "revoked") return answer("revoked", entry.reason, entry.status);
  if (entry.status === "consumed") return answer("consumed", entry.reason, entry.status);
  if (atTimeMs < record.validFromMs) return answer("not_yet_valid", "", entry.status);
  if (record.validUntilMs !== 0 && atTimeMs >= record.validUntilMs) return answer("expired", "", entry.status);
  if (entry.status === "suspended") return answer("suspended", entry.reason, entry.status);
  return answer("valid", "", entry.status);
}

export interface VerifyOptions {
  atTimeMs?: number; // default: nowMs
  nowMs: number;
  zone?: string;
  pinnedAnchors?: TrustAnchor[];
}

export interface BundleVerification {
  valid: boolean;
  answer: Verdict;
  record: CertificateRecord | null;
  checkedDocument: boolean;
  proof: BundleCheck | null;
  anchorPinned: boolean;
  anchorId: string;
  conditions: string[];
  zone: string;
}

function readCodes(reader: Reader): string[] {
  const count = reader.count(64, 4);
  const codes: string[] = [];
  for (let i = 0; i < count; i++) codes.push(reader.text(256));
  return codes;
}

function applyDogPermit(value: Uint8Array, result: BundleVerification): void {
  const reader = new Reader(value);
  result.conditions = readCodes(reader);
  const count = reader.count(64, 16);
  const periods: { recordedMs: number; validUntilMs: number }[] = [];
  for (let i = 0; i < count; i++) periods.push({ recordedMs: Number(reader.i64()), validUntilMs: Number(reader.i64()) });
  reader.finish();
  if (periods.length === 0) throw new FormatError("a dog permit without insurance");
  const at = result.answer.atTimeMs;
  let until = periods[0].validUntilMs;
  for (const period of periods) if (period.recordedMs <= at) until = period.validUntilMs;
  if (result.answer.verdict === "valid" && at >= until)
    result.answer = { ...result.answer, verdict: "expired", reason: "insurance_expired" };
}

function applyStreetMusic(value: Uint8Array, zoneAsked: string, result: BundleVerification): void {
  const reader = new Reader(value);
  result.zone = reader.text(256);
  result.conditions = readCodes(reader);
  reader.finish();
  if (result.answer.verdict === "valid" && zoneAsked !== "" && result.zone !== zoneAsked)
    result.answer = { ...result.answer, verdict: "wrong_zone", reason: result.zone };
}

/** Any other contract with zones: a valid certificate of another zone, or of none, is wrong_zone (its verify_in_zone). */
function applyStandardZone(value: Uint8Array | null, zoneAsked: string, result: BundleVerification): void {
  if (value !== null) {
    const reader = new Reader(value);
    result.zone = reader.text(256);
    reader.finish();
  }
  if (result.answer.verdict === "valid" && result.zone !== zoneAsked)
    result.answer = { ...result.answer, verdict: "wrong_zone", reason: result.zone };
}

function refused(result: BundleVerification, verdict: string, reason: string): BundleVerification {
  return { ...result, valid: false, answer: { ...result.answer, verdict, reason } };
}

/** As client::verify_certificate_bundle: a verdict, never an exception, for anything a bundle holds. */
export function verifyCertificateBundle(reference: CertificateReference, _claimedType: string, bundleBytes: Uint8Array,
  anchor: TrustAnchor, options: VerifyOptions, checkedDocument: boolean): BundleVerification {
  const pinned = options.pinnedAnchors ?? [];
  let result: BundleVerification = {
    valid: false, answer: { verdict: "", reason: "", status: "", atTimeMs: options.atTimeMs || options.nowMs },
    record: null, checkedDocument, proof: null, anchorPinned: pinned.some((candidate) => sameAnchor(candidate, anchor)),
    anchorId: toHex(trustAnchorId(anchor)), conditions: [], zone: "",
  };
  if (pinned.length > 0 && !result.anchorPinned) return refused(result, "untrusted_anchor", result.anchorId);
  if (reference.chainId !== anchor.chainId) return refused(result, "wrong_chain", anchor.chainId);
  try {
    const bundle = decodeBundle(bundleBytes, anchor);
    result.proof = verifyBundle(bundle, anchor);
    const value = bundleValue(bundle, certificateRecordKey(reference.contract, reference.id));
    if (value === undefined) throw new FormatError("the bundle does not hold the certificate's record");
    result.record = value === null ? null : decodeStoredRecord(value);
    if (result.record !== null && !equalBytes(result.record.id, reference.id))
      throw new FormatError("the proven record has another id");
    result.answer = lifecycleVerdict(result.record, reference.commitment, result.answer.atTimeMs);
    // The rules follow the proven record's type, never the claimed `type`
    // (a QR payload could name another type to skip the insurance rule).
    const provenType = result.record?.type ?? "";
    const prefix = factPrefix(provenType);
    if (prefix !== undefined && prefix !== "batch/" && result.record !== null) {
      const facts = bundleValue(bundle, contractKey(reference.contract, prefix, reference.id));
      if (facts === undefined) throw new FormatError(`the bundle lacks the ${provenType} facts that its verdict needs`);
      if (facts === null) throw new FormatError(`the contract holds no ${provenType} facts for this id`);
      if (provenType === dogPermitType) applyDogPermit(facts, result);
      else applyStreetMusic(facts, options.zone ?? "", result);
    } else if (prefix === undefined && result.record !== null && (options.zone ?? "") !== "") {
      const zone = bundleValue(bundle, contractKey(reference.contract, standardZonePrefix, reference.id));
      if (zone === undefined) throw new FormatError("the bundle lacks the certificate's zone that the verdict needs");
      applyStandardZone(zone, options.zone ?? "", result);
    }
  } catch (failure) {
    result = refused(result, "bundle_invalid", failure instanceof Error ? failure.message : String(failure));
    result.proof = null;
    return result;
  }
  result.valid = result.answer.verdict === "valid";
  return result;
}

/** "status valid; document checked" — what a verification established (client::checked_summary). */
export function checkedSummary(result: BundleVerification): string {
  const status = result.proof !== null ? "status " + result.answer.verdict : "status not proven";
  if (result.answer.verdict === "commitment_mismatch") return status + "; the document does not match";
  return status + (result.checkedDocument ? "; document checked" : "; document not checked");
}

export function batchCommitment(algorithm: string, root: Uint8Array): Uint8Array {
  const writer = new Writer();
  writer.text(algorithm);
  writer.bytes(root);
  return taggedHash(tags.archiveBatch, writer.data());
}
