// Where the JavaScript verifier's time goes in headless Chromium
// (docs/benchmarks.md, "Verification anywhere"): bundles sdk/js with a probe
// that verifies one published vector in phases — decode, block hash,
// signing digests, each BIP340 signature, the state proofs — and runs it
// ROUNDS times, each in a new tab (cold, as a page load is), then once more
// in the same tab (warm), printing the median of each phase in ms as JSON.
// The phases are the steps verifyCertificateBundle takes, called one by one.
//   node profile-verifier.mjs [VECTOR_NAME] [ROUNDS]
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import puppeteer from "puppeteer-core";

const here = dirname(fileURLToPath(import.meta.url));
const name = process.argv[2] ?? "dog permit: valid";
const rounds = Number(process.argv[3] ?? 15);
const vectors = JSON.parse(readFileSync(resolve(here, "../../docs/verification-vectors.json"), "utf8"));

const probe = `
import * as v from "./sdk/js/src/index.ts";
import { schnorr } from "@noble/curves/secp256k1.js";
window.profileVerifier = (vectors, name) => {
  const vector = vectors.bundles.find((entry) => entry.name === name);
  const anchor = v.trustAnchorFromJson(vectors.anchors[vector.anchor_index]);
  const bytes = v.base32Decode(vector.bundle);
  const phases = {};
  let last = performance.now();
  const lap = (phase) => { const now = performance.now(); phases[phase] = now - last; last = now; };
  const bundle = v.decodeBundle(bytes, anchor); lap("decode");
  const { header, commit } = bundle.block;
  const hash = v.blockHash(header); lap("block_hash");
  const digests = commit.signatures.map((entry) =>
    v.commitSignHash(header.chainId, header.height, commit.round, hash, entry.validator)); lap("digests");
  commit.signatures.forEach((entry, index) => {
    if (!schnorr.verify(entry.signature, digests[index], entry.validator)) throw new Error("a signature failed");
    lap("signature_" + index);
  });
  for (const entry of bundle.entries) v.verifyStateProof(header.stateRoot, entry.key, entry.value, entry.proof);
  lap("state_proofs");
  return phases;
};`;
const code = (await build({
  stdin: { contents: probe, resolveDir: resolve(here, "../.."), loader: "ts" },
  bundle: true, minify: true, format: "iife", target: "es2022", write: false,
  nodePaths: [resolve(here, "../node_modules"), resolve(here, "../../sdk/js/node_modules")],
})).outputFiles[0].text;

const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"] });
const samples = {};
try {
  for (let round = 0; round < rounds; round++) {
    const tab = await browser.newPage();
    await tab.setContent("<!doctype html><html><body></body></html>");
    await tab.addScriptTag({ content: code });
    for (const pass of ["cold", "warm"]) {
      const phases = await tab.evaluate((all, wanted) => window.profileVerifier(all, wanted), vectors, name);
      for (const [phase, ms] of Object.entries(phases)) ((samples[pass] ??= {})[phase] ??= []).push(ms);
    }
    await tab.close();
  }
} finally {
  await browser.close();
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const report = { vector: name, rounds };
for (const [pass, phases] of Object.entries(samples)) {
  const medians = Object.fromEntries(Object.entries(phases).map(([phase, values]) =>
    [phase, Math.round(median(values) * 100) / 100]));
  report[`${pass}_median_ms`] = medians;
  report[`${pass}_sum_of_medians_ms`] = Math.round(Object.values(medians).reduce((sum, ms) => sum + ms, 0) * 100) / 100;
}
console.log(JSON.stringify(report));
