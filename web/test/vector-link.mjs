// Writes the verification link of one published test vector and its trust
// anchor, so that the page can be timed with a bundle of a five-validator
// chain (four signatures) whatever network the bench runs: make bench
// (scripts/bench) and web/test/bench-page.mjs use it.
//   node vector-link.mjs VECTORS_JSON VECTOR_NAME LINK_OUT ANCHOR_OUT
import { readFileSync, writeFileSync } from "node:fs";
import * as verify from "../../sdk/js/dist/index.js";

const [vectorsPath, name, linkOut, anchorOut] = process.argv.slice(2);
if (!anchorOut) {
  console.error("usage: node vector-link.mjs VECTORS_JSON VECTOR_NAME LINK_OUT ANCHOR_OUT");
  process.exit(2);
}
const vectors = JSON.parse(readFileSync(vectorsPath, "utf8"));
const vector = vectors.bundles.find((entry) => entry.name === name);
if (!vector) {
  console.error(`no vector named "${name}" in ${vectorsPath}`);
  process.exit(1);
}
const reference = {
  chainId: vector.reference.chain_id, contract: vector.reference.contract,
  id: verify.fromHex(vector.reference.id), commitment: verify.fromHex(vector.reference.commitment),
};
const bundle = verify.base32Decode(vector.bundle);
writeFileSync(linkOut, verify.verifyLink("https://portal.example", { reference, type: vector.type, bundle }) + "\n");
writeFileSync(anchorOut, JSON.stringify(vectors.anchors[vector.anchor_index]) + "\n");
const signatures = verify.decodeBundle(bundle, verify.trustAnchorFromJson(vectors.anchors[vector.anchor_index]))
  .block.commit.signatures.length;
console.log(JSON.stringify({ vector: name, bundle_bytes: bundle.length, signatures }));
