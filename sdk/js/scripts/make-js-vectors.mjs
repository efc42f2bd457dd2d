// Writes vectors made by the JavaScript verifier for the C++ side to check
// (`bundle_vectors check OUT`): the bundles of a C++ vectors file re-encoded
// here, variants tampered here, documents canonicalised and committed here,
// and links written here.
//   node scripts/make-js-vectors.mjs CPP_VECTORS.json OUT.json
import { readFileSync, writeFileSync } from "node:fs";
import * as verify from "../dist/index.js";

const [input, output] = process.argv.slice(2);
const source = JSON.parse(readFileSync(input, "utf8"));
const vectors = { format: "govchain-verification-vectors", version: 1, producer: "js", anchors: source.anchors,
  bundles: [], documents: [], links: [] };

function expectOf(vector) {
  const anchor = verify.trustAnchorFromJson(vectors.anchors[vector.anchor_index]);
  const result = verify.verifyCertificateBundle({ chainId: vector.reference.chain_id,
    contract: vector.reference.contract, id: verify.fromHex(vector.reference.id),
    commitment: verify.fromHex(vector.reference.commitment) }, vector.type, verify.base32Decode(vector.bundle), anchor,
  { nowMs: vector.at_time_ms, zone: vector.zone, pinnedAnchors: vector.pinned.map(verify.trustAnchorFromJson) }, true);
  return { verdict: result.answer.verdict, reason: result.answer.verdict === "bundle_invalid" ? "" : result.answer.reason,
    height: result.proof ? Number(result.proof.height) : 0,
    block_time_ms: result.proof ? Number(result.proof.blockTimeMs) : 0 };
}

function add(vector, name, bytes) {
  const made = { ...vector, name: "js: " + name, bundle: verify.base32Encode(bytes) };
  made.expect = expectOf(made);
  vectors.bundles.push(made);
}

for (const vector of source.bundles) {
  const anchor = verify.trustAnchorFromJson(source.anchors[vector.anchor_index]);
  let bundle;
  try {
    bundle = verify.decodeBundle(verify.base32Decode(vector.bundle), anchor);
  } catch {
    continue;
  }
  add(vector, vector.name + " (re-encoded)", verify.encodeBundle(bundle, anchor.validators));
  if (bundle.entries[0].value === null) continue;
  const value = bundle.entries[0].value.slice();
  value[value.length - 1] ^= 1;
  const altered = { ...bundle, entries: [{ ...bundle.entries[0], value }, ...bundle.entries.slice(1)] };
  add(vector, vector.name + " with its record changed", verify.encodeBundle(altered, anchor.validators));
  const signatures = bundle.block.commit.signatures.map((entry, index) =>
    index === 0 ? { ...entry, signature: entry.signature.map((byte, at) => (at === 5 ? byte ^ 1 : byte)) } : entry);
  const forged = { ...bundle, block: { ...bundle.block, commit: { ...bundle.block.commit, signatures } } };
  add(vector, vector.name + " with a signature changed", verify.encodeBundle(forged, anchor.validators));
}

const salt = "5a".repeat(32);
for (const text of ['{"z": "Straße", "a": [1, -2, {"y": null}], "Ä": true}', '{"ctl": "\\u0000\\u007f\\u2028"}',
  '{"n": -0, "m": 9007199254740991}', '{"x": 1e3}', '{"d": 1, "d": 1}']) {
  try {
    const canonical = verify.canonicalJson(text);
    vectors.documents.push({ document_text: text, salt, canonical,
      commitment: verify.toHex(verify.computeCommitment(verify.fromHex(salt), canonical)) });
  } catch {
    vectors.documents.push({ document_text: text, salt, error: true });
  }
}

const first = source.bundles[0];
const reference = { chainId: first.reference.chain_id, contract: first.reference.contract,
  id: verify.fromHex(first.reference.id), commitment: verify.fromHex(first.reference.commitment) };
for (const bundle of [null, verify.base32Decode(first.bundle)])
  vectors.links.push({ text: verify.verifyLink("https://kommune.example/portal", { reference, type: first.type, bundle }),
    reference: first.reference, type: first.type, has_bundle: bundle !== null });

writeFileSync(output, JSON.stringify(vectors, null, 1) + "\n");
console.log(`wrote ${vectors.bundles.length} bundle vectors to ${output}`);
