// The cross-implementation vectors (docs/verification.md, "Test vectors"):
// every file named in GOVCHAIN_VECTORS (colon-separated; default: the
// published docs/verification-vectors.json) is checked by this verifier.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as verify from "../dist/index.js";

const published = fileURLToPath(new URL("../../../docs/verification-vectors.json", import.meta.url));
const files = (process.env.GOVCHAIN_VECTORS ?? published).split(":").filter((path) => path !== "");

export function expectOf(result) {
  return {
    verdict: result.answer.verdict,
    reason: result.answer.verdict === "bundle_invalid" ? "" : result.answer.reason,
    height: result.proof ? Number(result.proof.height) : 0,
    block_time_ms: result.proof ? Number(result.proof.blockTimeMs) : 0,
  };
}

export function runVector(vectors, vector) {
  const anchor = verify.trustAnchorFromJson(vectors.anchors[vector.anchor_index]);
  const reference = {
    chainId: vector.reference.chain_id, contract: vector.reference.contract,
    id: verify.fromHex(vector.reference.id), commitment: verify.fromHex(vector.reference.commitment),
  };
  return verify.verifyCertificateBundle(reference, vector.type, verify.base32Decode(vector.bundle), anchor,
    { nowMs: vector.at_time_ms, zone: vector.zone, pinnedAnchors: vector.pinned.map(verify.trustAnchorFromJson) }, true);
}

for (const file of files) {
  const vectors = JSON.parse(readFileSync(file, "utf8"));
  test(`${vectors.producer} vectors in ${file}: bundles give their verdicts`, () => {
    assert.ok(vectors.bundles.length >= 10);
    for (const vector of vectors.bundles) assert.deepEqual(expectOf(runVector(vectors, vector)), vector.expect, vector.name);
  });
  test(`${vectors.producer} vectors in ${file}: decodable bundles re-encode to the same bytes`, () => {
    let decoded = 0;
    for (const vector of vectors.bundles) {
      const anchor = verify.trustAnchorFromJson(vectors.anchors[vector.anchor_index]);
      const bytes = verify.base32Decode(vector.bundle);
      let bundle;
      try {
        bundle = verify.decodeBundle(bytes, anchor);
      } catch {
        continue;
      }
      decoded++;
      assert.equal(verify.toHex(verify.encodeBundle(bundle, anchor.validators)), verify.toHex(bytes), vector.name);
    }
    assert.ok(decoded >= 10);
  });
  test(`${vectors.producer} vectors in ${file}: canonical documents and commitments`, () => {
    for (const entry of vectors.documents) {
      if (entry.error) {
        assert.throws(() => verify.canonicalJson(entry.document_text), entry.document_text);
        continue;
      }
      const canonical = verify.canonicalJson(entry.document_text);
      assert.equal(canonical, entry.canonical);
      assert.equal(verify.toHex(verify.computeCommitment(verify.fromHex(entry.salt), canonical)), entry.commitment);
    }
  });
  test(`${vectors.producer} vectors in ${file}: verification links`, () => {
    for (const entry of vectors.links) {
      const payload = verify.verifyPayloadFromText(entry.text);
      assert.equal(payload.reference.chainId, entry.reference.chain_id);
      assert.equal(verify.toHex(payload.reference.id), entry.reference.id);
      assert.equal(verify.toHex(payload.reference.commitment), entry.reference.commitment);
      assert.equal(payload.type, entry.type);
      assert.equal(payload.bundle !== null, entry.has_bundle);
    }
  });
}
