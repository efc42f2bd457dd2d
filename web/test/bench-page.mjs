// The JavaScript verifier's time in headless Chromium (make bench): opens a
// page built with a pinned anchor from disk, offline, with a verification
// link that carries its bundle, ROUNDS times, and prints the time the page
// spent verifying (window.govchainLastCheckMs: decode, signatures, proofs,
// verdict) as JSON.
//   node bench-page.mjs PAGE LINK [ROUNDS]
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const [page, linkFile, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText ?? 20);
const link = readFileSync(linkFile, "utf8").trim();
const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"] });
const times = [];
let verdict = "";
try {
  for (let round = 0; round < rounds; round++) {
    const tab = await browser.newPage();
    await tab.setOfflineMode(true);
    await tab.goto(pathToFileURL(page).href + link.slice(link.indexOf("#")));
    await tab.waitForFunction(() => typeof window.govchainLastCheckMs === "number", { timeout: 60000 });
    times.push(await tab.evaluate(() => window.govchainLastCheckMs));
    verdict = await tab.$eval("#verdict", (box) => box.dataset.reason);
    await tab.close();
  }
} finally {
  await browser.close();
}
const sorted = [...times].sort((a, b) => a - b);
console.log(JSON.stringify({ rounds, verdict, js_verify_first_ms: times[0], js_verify_p50_ms: sorted[Math.floor(rounds / 2)],
  js_verify_max_ms: sorted[rounds - 1], js_verify_goal_ms: 30 }));
