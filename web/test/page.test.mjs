// The verification page in headless Chromium (Debian's /usr/bin/chromium,
// driven by puppeteer-core; no browser is ever downloaded). Run by
// tests/integration/verification.sh with a dev node that issued the
// certificates named in the environment:
//   GOVCHAIN_NODE           the node serving /verify
//   GOVCHAIN_PAGE           the self-contained build/web/verify.html
//   GOVCHAIN_PINNED_PAGE    the same page built with the node's genesis as its pinned anchor
//   GOVCHAIN_CERTS          folder with valid.cert suspended.cert revoked.cert expired.cert altered.cert,
//                           and <name>.link (the verification link of each)
//   GOVCHAIN_SCREENSHOTS    optional: folder for screenshots (docs/images)
//   GOVCHAIN_PAGE_TIMES     optional: file to write the in-browser verification times to (JSON)
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const node = process.env.GOVCHAIN_NODE;
const page = process.env.GOVCHAIN_PAGE;
const certs = process.env.GOVCHAIN_CERTS;
const screenshots = process.env.GOVCHAIN_SCREENSHOTS;
const times = [];
let browser;

before(async () => {
  assert.ok(node && page && certs, "GOVCHAIN_NODE, GOVCHAIN_PAGE and GOVCHAIN_CERTS must be set");
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    userDataDir: process.env.GOVCHAIN_CHROMIUM_PROFILE,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
});

after(async () => {
  await browser?.close();
  if (process.env.GOVCHAIN_PAGE_TIMES) writeFileSync(process.env.GOVCHAIN_PAGE_TIMES, JSON.stringify(times));
});

function fragmentOf(name) {
  const link = readFileSync(join(certs, name + ".link"), "utf8").trim();
  return link.slice(link.indexOf("#"));
}

// The verdict once the page has settled: online results replace offline
// ones, so wait until the element says which and the mode is final.
async function verdictOf(tab) {
  await tab.waitForFunction(() => {
    const box = document.getElementById("verdict");
    return box.dataset.verdict === "valid" || box.dataset.verdict === "invalid";
  }, { timeout: 60000 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  await tab.waitForFunction(() => document.getElementById("verdict").dataset.verdict !== "", { timeout: 60000 });
  const lastCheck = await tab.evaluate(() => window.govchainLastCheckMs);
  if (typeof lastCheck === "number") times.push(lastCheck);
  return tab.$eval("#verdict", (box) => ({ verdict: box.dataset.verdict, reason: box.dataset.reason,
    word: document.getElementById("verdict-word").textContent, details: document.getElementById("details").textContent }));
}

async function openLink(name, language = "") {
  const tab = await browser.newPage();
  await tab.goto(`${node}/verify${language}${fragmentOf(name)}`);
  return tab;
}

const expected = {
  valid: { verdict: "valid", reason: "valid" },
  suspended: { verdict: "invalid", reason: "suspended" },
  revoked: { verdict: "invalid", reason: "revoked" },
  expired: { verdict: "invalid", reason: "expired" },
};

for (const [name, want] of Object.entries(expected)) {
  test(`the node's /verify# link of a ${name} certificate`, async () => {
    const tab = await openLink(name);
    const got = await verdictOf(tab);
    assert.equal(got.verdict, want.verdict);
    assert.equal(got.reason, want.reason);
    assert.equal(got.word, want.verdict === "valid" ? "GÜLTIG" : "UNGÜLTIG");
    assert.match(got.details, /Stand/);
    assert.match(got.details, /Dokument nicht geprüft/);
    assert.match(got.details, /\(UTC\+0[12]:00\)/);
    // A link needs no QR reader: the page has not started it (scanner-loader.ts).
    assert.equal(await tab.evaluate(() => typeof window.govchainScanner), "undefined");
    if (screenshots && (name === "valid" || name === "revoked"))
      await tab.screenshot({ path: join(screenshots, `verify-page-${name === "valid" ? "valid" : "invalid"}-de.png`),
        fullPage: true });
    await tab.close();
  });
}

test("an altered certificate file dropped on the node's page is refused", async () => {
  const tab = await browser.newPage();
  await tab.goto(`${node}/verify`);
  const input = await tab.$("#file");
  await input.uploadFile(join(certs, "altered.cert"));
  const got = await verdictOf(tab);
  assert.equal(got.verdict, "invalid");
  assert.equal(got.reason, "commitment_mismatch");
  await tab.close();
});

test("the valid certificate file: document checked, fields shown with German labels", async () => {
  const tab = await browser.newPage();
  await tab.goto(`${node}/verify`);
  await (await tab.$("#file")).uploadFile(join(certs, "valid.cert"));
  const got = await verdictOf(tab);
  assert.equal(got.verdict, "valid");
  assert.match(got.details, /Dokument geprüft/);
  const fields = await tab.$eval("#document", (list) => list.textContent);
  assert.match(fields, /Chipnummer/);
  await tab.click("#lang-en");
  assert.equal(await tab.$eval("#verdict-word", (word) => word.textContent), "VALID");
  assert.match(await tab.$eval("#document", (list) => list.textContent), /Chip number/);
  await tab.close();
});

test("the self-contained page from disk with the network off checks a certificate file", async () => {
  const tab = await browser.newPage();
  await tab.setOfflineMode(true);
  const requests = [];
  tab.on("request", (request) => requests.push(request.url()));
  await tab.goto(pathToFileURL(page).href);
  await (await tab.$("#file")).uploadFile(join(certs, "valid.cert"));
  const got = await verdictOf(tab);
  assert.equal(got.verdict, "valid");
  assert.match(got.details, /ohne Verbindung/);
  // No anchor is pinned in this build: the page says the file named it.
  assert.match(await tab.$eval("#note", (note) => note.textContent), /Vertrauensanker/);
  assert.deepEqual(requests.filter((url) => !url.startsWith("file:") && !url.startsWith("data:")), []);
  await (await tab.$("#file")).uploadFile(join(certs, "altered.cert"));
  await tab.waitForFunction(() => document.getElementById("verdict").dataset.reason === "commitment_mismatch",
    { timeout: 30000 });
  await tab.close();
});

test("a page built with the consortium's anchor checks a QR that carries its bundle, offline", async () => {
  const pinned = process.env.GOVCHAIN_PINNED_PAGE;
  assert.ok(pinned, "GOVCHAIN_PINNED_PAGE must be set");
  for (const [file, name, want] of [[pinned, "valid-bundle", "valid"], [pinned, "revoked-bundle", "revoked"],
    // Without a pinned anchor a QR (which names its anchor only by id)
    // cannot be decided offline: the page says so instead of guessing.
    [page, "valid-bundle", "no_proof"]]) {
    const tab = await browser.newPage();
    await tab.setOfflineMode(true);
    await tab.goto(pathToFileURL(file).href + fragmentOf(name));
    assert.equal((await verdictOf(tab)).reason, want, `${name} on ${file}`);
    await tab.close();
  }
});

// data/pure-qr.png: a picture of govchain qr --png (a suspended permit's
// link on another dev chain) whose finder patterns ZXing's search misses;
// the page reads it as a pure code. Its chain is not the node's, so the
// verdict is not "valid", but it must not be "unreadable".
test("a computer-made QR picture that ZXing's finder search misses is still read", async () => {
  const tab = await browser.newPage();
  await tab.goto(`${node}/verify`);
  await (await tab.$("#file")).uploadFile(join(dirname(fileURLToPath(import.meta.url)), "data", "pure-qr.png"));
  const got = await verdictOf(tab);
  assert.notEqual(got.reason, "unreadable", JSON.stringify(got));
  await tab.close();
});

test("a QR code picture is read with the camera's decoder", async () => {
  const tab = await browser.newPage();
  await tab.goto(`${node}/verify`);
  await (await tab.$("#file")).uploadFile(join(certs, "suspended.png"));
  const got = await verdictOf(tab);
  assert.equal(got.reason, "suspended");
  // The picture started the QR reader that the page carries as text, under
  // the node's Content-Security-Policy.
  assert.equal(await tab.evaluate(() => typeof window.govchainScanner.decodeQrImage), "function");
  await tab.close();
});
