// The JavaScript verifier's time in headless Chromium (make bench): opens a
// page built with a pinned anchor from disk, offline, with a verification
// link that carries its bundle, ROUNDS times (a new tab each, so every round
// starts cold as a citizen's phone does), and prints as JSON:
//  - js_verify_*: the time the page spent verifying (window.govchainLastCheckMs:
//    decode, signatures, proofs, verdict);
//  - page_to_verdict_*: from the start of the navigation until the verdict is
//    in the page (data-verdict set): loading and compiling the page's script,
//    reading the link and verifying (the page paints the verdict first);
//  - page_to_details_*: until the details (block, times, record) are in the
//    page too;
//  - the browser's own limit in the same run: BIP340 verifications per
//    second with the page's library (@noble/curves), warm, in one tab for
//    one second.
//   node bench-page.mjs PAGE LINK [ROUNDS]
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import puppeteer from "puppeteer-core";

const here = dirname(fileURLToPath(import.meta.url));

const [page, linkFile, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText ?? 20);
const link = readFileSync(linkFile, "utf8").trim();
const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"] });
// Runs in the page before its own script: notes when the verdict appears,
// and when the details do.
function watchVerdict() {
  new MutationObserver((changes, observer) => {
    for (const change of changes) {
      if (change.target.id === "verdict" && change.target.dataset.verdict) {
        window.govchainVerdictShownMs = performance.now();
        observer.disconnect();
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-verdict"] });
  new MutationObserver((changes, observer) => {
    for (const change of changes) {
      if (change.target.id === "details" && change.target.childElementCount > 0 &&
          document.getElementById("verdict").dataset.verdict) {
        window.govchainDetailsShownMs = performance.now();
        observer.disconnect();
      }
    }
  }).observe(document, { subtree: true, childList: true });
}
// Warm verifications of one signature for a second, with the page's library.
const rateProbe = (await build({
  stdin: { contents: `import { schnorr } from "@noble/curves/secp256k1.js";
    window.bip340Rate = () => {
      const secret = new Uint8Array(32).fill(7), message = new Uint8Array(32).fill(9);
      const key = schnorr.getPublicKey(secret), signature = schnorr.sign(message, secret);
      for (let i = 0; i < 50; i++) schnorr.verify(signature, message, key);
      const start = performance.now();
      let count = 0;
      while (performance.now() - start < 1000) if (schnorr.verify(signature, message, key)) count++;
      return count / ((performance.now() - start) / 1000);
    };`, resolveDir: here, loader: "js" },
  bundle: true, format: "iife", target: "es2022", write: false,
  nodePaths: [resolve(here, "../node_modules"), resolve(here, "../../sdk/js/node_modules")],
})).outputFiles[0].text;
const times = [];
const shown = [];
const details = [];
let verdict = "";
let rate = 0;
try {
  for (let round = 0; round < rounds; round++) {
    const tab = await browser.newPage();
    await tab.setOfflineMode(true);
    await tab.evaluateOnNewDocument(watchVerdict);
    await tab.goto(pathToFileURL(page).href + link.slice(link.indexOf("#")));
    await tab.waitForFunction(() => typeof window.govchainLastCheckMs === "number" &&
      typeof window.govchainVerdictShownMs === "number" && typeof window.govchainDetailsShownMs === "number",
    { timeout: 60000 });
    times.push(await tab.evaluate(() => window.govchainLastCheckMs));
    shown.push(await tab.evaluate(() => window.govchainVerdictShownMs));
    details.push(await tab.evaluate(() => window.govchainDetailsShownMs));
    verdict = await tab.$eval("#verdict", (box) => box.dataset.reason || box.dataset.verdict);
    await tab.close();
  }
  const tab = await browser.newPage();
  await tab.setContent("<!doctype html><html><body></body></html>");
  await tab.addScriptTag({ content: rateProbe });
  rate = await tab.evaluate(() => window.bip340Rate());
  await tab.close();
} finally {
  await browser.close();
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round1 = (value) => Math.round(value * 10) / 10;
console.log(JSON.stringify({ rounds, verdict, js_verify_first_ms: round1(times[0]), js_verify_p50_ms: round1(median(times)),
  js_verify_max_ms: round1(Math.max(...times)), js_verify_goal_ms: 30,
  page_to_verdict_first_ms: round1(shown[0]), page_to_verdict_p50_ms: round1(median(shown)),
  page_to_verdict_max_ms: round1(Math.max(...shown)), page_to_details_p50_ms: round1(median(details)), browser_bip340_verifications_per_second_warm: Math.round(rate) }));
