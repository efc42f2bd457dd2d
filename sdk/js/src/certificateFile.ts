// Certificate files (docs/certificates.md, "The certificate file";
// client::certificate_from_json): read strictly, the commitment recomputed
// from the salt and the canonical document, never taken from the file.
import { base32Decode, FormatError, hash32FromHex } from "./bytes.js";
import { type JsonValue, member, parseStrictJson, toPlain, writeCanonical } from "./canonical.js";
import { type CertificateReference, computeCommitment } from "./certificate.js";
import { type TrustAnchor, trustAnchorFromJson } from "./anchor.js";

export interface CertificateFile {
  reference: CertificateReference; // with the recomputed commitment
  type: string;
  issuerMunicipality: string;
  salt: Uint8Array;
  canonicalDocument: string;
  document: unknown; // for display
  bundle: Uint8Array | null;
  trustAnchor: TrustAnchor | null;
  portalUrl: string;
}

function text(file: JsonValue, name: string): string {
  const value = member(file, name);
  if (typeof value !== "string" || value === "")
    throw new FormatError(`certificate file: field '${name}' missing or not a text`);
  return value;
}

export function readCertificateFile(json: string): CertificateFile {
  const file = parseStrictJson(json);
  const version = member(file, "govchain_certificate");
  if (version === undefined || version === null || typeof version !== "object" || !("integer" in version))
    throw new FormatError("not a govchain certificate file (no 'govchain_certificate' version field)");
  if (version.integer !== "1") throw new FormatError("certificate file of an unknown format version");
  const document = member(file, "document");
  if (document === undefined || document === null || typeof document !== "object" || Array.isArray(document) ||
    "integer" in document)
    throw new FormatError("certificate file: field 'document' missing or not an object");
  const salt = hash32FromHex(text(file, "salt"), "salt");
  const canonicalDocument = writeCanonical(document);
  const bundleText = member(file, "bundle");
  const anchor = member(file, "trust_anchor");
  const portal = member(file, "portal_url");
  return {
    reference: { chainId: text(file, "chain_id"), contract: text(file, "contract"), id: hash32FromHex(text(file, "id"),
      "id"), commitment: computeCommitment(salt, canonicalDocument) },
    type: text(file, "type"),
    issuerMunicipality: text(file, "issuer_municipality"),
    salt,
    canonicalDocument,
    document: toPlain(document),
    bundle: typeof bundleText === "string" ? base32Decode(bundleText) : null,
    trustAnchor: anchor === undefined ? null : trustAnchorFromJson(toPlain(anchor)),
    portalUrl: typeof portal === "string" ? portal : "",
  };
}
