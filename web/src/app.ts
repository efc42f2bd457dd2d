// The verification page (docs/verification.md, section 10). Everything is
// checked here, in the browser: the certificate's proof bundle against a
// trust anchor, the document against its commitment. A node, when one is
// reachable, only supplies a fresher bundle, which is checked the same way.
// Nothing personal leaves the page: the QR payload sits in the URL fragment
// (never sent), a dropped file is read locally, and the only request asks
// for the proof of a random certificate id.
import * as verify from "../../sdk/js/src/index.js";
import dogPermitSchema from "../../docs/schemas/dog_permit.schema.json";
import streetMusicSchema from "../../docs/schemas/street_music_permit.schema.json";
import identitySchema from "../../docs/schemas/identity_attestation.schema.json";
import landlordSchema from "../../docs/schemas/landlord_confirmation.schema.json";
import { formatTime, labels, type Language, reasonTexts, verdictTexts } from "./texts.js";
import { loadScanner } from "./scanner-loader.js";

interface Config {
  anchors: unknown[];
  nodes: string[];
}
interface Subject {
  reference: verify.CertificateReference;
  type: string;
  bundle: Uint8Array | null;
  fileAnchor: verify.TrustAnchor | null;
  document: unknown;
  checkedDocument: boolean;
}
interface Shown {
  result: verify.BundleVerification | null;
  verdict: string; // when result is null
  subject: Subject | null;
  mode: "offline" | "online" | "";
  anchorSource: "pinned" | "node" | "file" | "";
  note: string;
}

const schemas: Record<string, unknown> = { dog_permit: dogPermitSchema, street_music_permit: streetMusicSchema,
  identity_attestation: identitySchema, landlord_confirmation: landlordSchema };
const config: Config = JSON.parse(document.getElementById("govchain-config")?.textContent || '{"anchors":[],"nodes":[]}');
let language: Language = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "de";
let shown: Shown | null = null;
let nodeAnchor: verify.TrustAnchor | null | undefined;

const element = (id: string) => document.getElementById(id) as HTMLElement;
const words = () => labels[language];

function nodeUrl(): string | null {
  if (config.nodes.length > 0) return config.nodes[0];
  return location.protocol === "http:" || location.protocol === "https:" ? location.origin : null;
}

async function trustedAnchors(): Promise<{ anchors: verify.TrustAnchor[]; fromNode: boolean }> {
  const anchors = config.anchors.map((anchor) => verify.trustAnchorFromJson(anchor));
  if (anchors.length > 0) return { anchors, fromNode: false };
  const node = nodeUrl();
  if (nodeAnchor === undefined && node !== null) {
    try {
      nodeAnchor = await verify.fetchTrustAnchor(node, 5000);
    } catch {
      nodeAnchor = null;
    }
  }
  return { anchors: nodeAnchor ? [nodeAnchor] : [], fromNode: nodeAnchor !== null && nodeAnchor !== undefined };
}

function chooseAnchor(subject: Subject, anchors: verify.TrustAnchor[]): verify.TrustAnchor | null {
  if (subject.bundle !== null) {
    try {
      const head = verify.peekBundle(subject.bundle);
      const match = anchors.find((anchor) => verify.equalBytes(verify.trustAnchorId(anchor), head.anchorId));
      if (match) return match;
    } catch {
      // An unreadable bundle is judged by verifyCertificateBundle below.
    }
  }
  const sameChain = anchors.find((anchor) => anchor.chainId === subject.reference.chainId);
  if (subject.bundle === null && sameChain) return sameChain;
  return subject.fileAnchor ?? sameChain ?? anchors[0] ?? null;
}

function verifyWith(subject: Subject, bundle: Uint8Array, anchor: verify.TrustAnchor, pinned: verify.TrustAnchor[]) {
  const started = performance.now();
  const result = verify.verifyCertificateBundle(subject.reference, subject.type, bundle, anchor,
    { nowMs: Date.now(), pinnedAnchors: pinned }, subject.checkedDocument);
  (window as unknown as Record<string, number>).govchainLastCheckMs = performance.now() - started;
  return result;
}

// A legacy QR names no type: the record says which, and some types need
// their facts in the bundle too.
async function freshBundle(node: string, subject: Subject, anchor: verify.TrustAnchor): Promise<Uint8Array> {
  let keys = verify.certificateBundleKeys(subject.reference.contract, subject.type, subject.reference.id);
  let bundle = await verify.fetchBundle(node, keys, anchor);
  if (subject.type === "") {
    const value = verify.bundleValue(bundle, keys[0]);
    if (value) subject.type = verify.decodeStoredRecord(value).type;
    const typed = verify.certificateBundleKeys(subject.reference.contract, subject.type, subject.reference.id);
    if (typed.length !== keys.length) {
      keys = typed;
      bundle = await verify.fetchBundle(node, keys, anchor);
    }
  }
  return verify.encodeBundle(bundle, anchor.validators);
}

async function check(subject: Subject): Promise<void> {
  show({ result: null, verdict: "checking", subject, mode: "", anchorSource: "", note: "" });
  const { anchors, fromNode } = await trustedAnchors();
  const anchor = chooseAnchor(subject, anchors);
  const anchorSource = anchors.some((candidate) => anchor && verify.sameAnchor(candidate, anchor))
    ? (fromNode ? "node" : "pinned") : "file";
  if (anchor === null) return show({ result: null, verdict: "no_proof", subject, mode: "", anchorSource: "", note: "" });
  let current: Shown | null = null;
  if (subject.bundle !== null) {
    current = { result: verifyWith(subject, subject.bundle, anchor, anchors), verdict: "", subject, mode: "offline",
      anchorSource, note: "" };
    show(current);
  }
  const node = nodeUrl();
  if (node === null) {
    if (current === null) show({ result: null, verdict: "no_proof", subject, mode: "", anchorSource, note: "" });
    return;
  }
  try {
    const bundle = await freshBundle(node, subject, anchor);
    show({ result: verifyWith(subject, bundle, anchor, anchors), verdict: "", subject, mode: "online", anchorSource,
      note: "" });
  } catch (failure) {
    if (current !== null) show({ ...current, note: words().refreshFailed });
    else show({ result: null, verdict: "no_proof", subject, mode: "", anchorSource, note: String(failure) });
  }
}

function subjectOfPayload(payload: verify.VerifyPayload): Subject {
  return { reference: payload.reference, type: payload.type, bundle: payload.bundle, fileAnchor: null, document: null,
    checkedDocument: false };
}

function subjectOfFile(file: verify.CertificateFile): Subject {
  return { reference: file.reference, type: file.type, bundle: file.bundle, fileAnchor: file.trustAnchor,
    document: file.document, checkedDocument: true };
}

function checkText(text: string): void {
  try {
    void check(subjectOfPayload(verify.verifyPayloadFromText(text)));
  } catch (failure) {
    show({ result: null, verdict: "unreadable", subject: null, mode: "", anchorSource: "", note: String(failure) });
  }
}

async function checkFile(file: File): Promise<void> {
  if (file.size > 2 * 1024 * 1024)
    return show({ result: null, verdict: "unreadable", subject: null, mode: "", anchorSource: "", note: "> 2 MiB" });
  if (file.type.startsWith("image/")) {
    let text: string | null;
    try {
      text = await loadScanner().decodeQrImage(file);
    } catch (failure) {
      return show({ result: null, verdict: "unreadable", subject: null, mode: "", anchorSource: "",
        note: String(failure) });
    }
    if (text === null) return show({ result: null, verdict: "unreadable", subject: null, mode: "", anchorSource: "",
      note: "" });
    return checkText(text);
  }
  try {
    await check(subjectOfFile(verify.readCertificateFile(await file.text())));
  } catch (failure) {
    show({ result: null, verdict: "unreadable", subject: null, mode: "", anchorSource: "", note: String(failure) });
  }
}

// ---- Rendering -------------------------------------------------------------

function text(tag: string, content: string, className = ""): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = content;
  if (className) node.className = className;
  return node;
}

function row(list: HTMLElement, name: string, value: string): void {
  list.append(text("dt", name), text("dd", value));
}

function schemaTitle(schema: unknown, path: string[]): string[] {
  const titles: string[] = [];
  let node = schema as Record<string, unknown> | undefined;
  for (const part of path) {
    node = (node?.properties as Record<string, Record<string, unknown>> | undefined)?.[part];
    const title = node?.[language === "de" ? "title" : "x-title-en"];
    titles.push(typeof title === "string" ? title : part);
  }
  return titles;
}

function documentRows(list: HTMLElement, schema: unknown, value: unknown, path: string[]): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [name, member] of Object.entries(value as Record<string, unknown>))
      documentRows(list, schema, member, [...path, name]);
    return;
  }
  const last = path[path.length - 1] ?? "";
  let shownValue = Array.isArray(value) ? value.join(", ") : String(value);
  if (last.endsWith("_ms") && typeof value === "number") shownValue = formatTime(value, language);
  row(list, schemaTitle(schema, path).join(" › "), shownValue);
}

function verdictOf(state: Shown): { valid: boolean; code: string; reason: string } {
  if (state.result === null) return { valid: false, code: state.verdict, reason: "" };
  return { valid: state.result.valid, code: state.result.answer.verdict, reason: state.result.answer.reason };
}

function checkedLine(state: Shown): string {
  const w = words();
  const result = state.result!;
  const documentPart = result.answer.verdict === "commitment_mismatch" ? w.documentMismatch
    : result.checkedDocument ? w.documentChecked : w.documentNotChecked;
  const mode = state.mode === "online" ? w.online : w.offline;
  const verdict = verdictTexts[result.answer.verdict]?.[language] ?? result.answer.verdict;
  return `${w.statusChecked}: ${verdict.replace(/\.$/, "")}; ${documentPart} (${mode})`;
}

function renderDetails(state: Shown): void {
  const w = words();
  const list = element("details");
  list.replaceChildren();
  const result = state.result;
  if (result === null || result.proof === null) return;
  row(list, w.checked, checkedLine(state));
  row(list, w.asOf, `${w.block} ${result.proof.height}, ${formatTime(Number(result.proof.blockTimeMs), language)}`);
  const anchorText = state.anchorSource === "pinned" ? w.anchorPinned : state.anchorSource === "node" ? w.anchorFromNode
    : w.anchorFromFile;
  row(list, w.source, `${result.proof.commit.signaturesValid} ${w.of} ${result.proof.commit.validatorsTotal} ` +
    `${w.signatures}; ${anchorText} (${result.anchorId.slice(0, 16)}…)`);
  const record = result.record;
  if (record === null) return;
  row(list, w.type, w.types[record.type] ?? record.type);
  row(list, w.municipality, record.municipality);
  const start = record.validFromMs === 0 ? w.fromIssuance : `${w.from} ${formatTime(record.validFromMs, language)}`;
  row(list, w.validity, `${start} ` +
    (record.validUntilMs === 0 ? `(${w.noEnd})` : `${w.until} ${formatTime(record.validUntilMs, language)}`));
  if (result.zone) row(list, w.zone, result.zone);
  if (result.conditions.length > 0) row(list, w.conditions, result.conditions.join(", "));
  for (const entry of record.history)
    row(list, w.history, `${formatTime(entry.timeMs, language)}: ${w.statuses[entry.status] ?? entry.status} ` +
      `(${entry.reason}, ${entry.municipality})`);
}

function renderDocument(state: Shown): void {
  const list = element("document");
  list.replaceChildren();
  const subject = state.subject;
  element("document-section").hidden = !subject?.checkedDocument;
  if (!subject?.checkedDocument || subject.document === null) return;
  documentRows(list, schemas[subject.type], subject.document, []);
}

function show(state: Shown): void {
  shown = state;
  const w = words();
  const box = element("verdict");
  const { valid, code, reason } = verdictOf(state);
  const checking = code === "checking";
  box.dataset.verdict = checking ? "" : valid ? "valid" : "invalid";
  box.dataset.reason = checking ? "" : code;
  box.dataset.reasonCode = reason;
  box.className = checking ? "verdict checking" : valid ? "verdict valid" : "verdict invalid";
  element("verdict-word").textContent = checking ? w.checking : valid ? w.valid : w.invalid;
  const explanation = checking ? "" : (verdictTexts[code]?.[language] ?? code);
  const detail = reasonTexts[reason]?.[language] ?? (reason && code !== "untrusted_anchor" ? `(${reason})` : "");
  element("verdict-reason").textContent = `${explanation} ${detail}`.trim();
  // An anchor only the certificate names proves nothing about who signed:
  // anyone can make a file with validators of their own. Say so plainly.
  const unpinned = state.anchorSource === "file" && state.result?.proof ? w.unpinnedWarning : "";
  element("note").textContent = [state.note, unpinned].filter((part) => part !== "").join(" ");
  scheduleDetails();
}

// On a fresh page the verdict is painted first and the details right after
// it: the details' times need the browser's first Intl.DateTimeFormat for
// Europe/Berlin, which costs 18-48 ms (docs/benchmarks.md) while the person
// waits for GÜLTIG or UNGÜLTIG. Later changes (a fresh bundle from a node,
// the language switch) render at once; the details show the latest state.
let detailsShownOnce = false;
let detailsPending = false;

function renderShownDetails(): void {
  if (shown === null) return;
  renderDetails(shown);
  renderDocument(shown);
}

function scheduleDetails(): void {
  if (detailsShownOnce) return renderShownDetails();
  if (detailsPending) return;
  detailsPending = true;
  requestAnimationFrame(() => setTimeout(() => {
    detailsPending = false;
    // Only a result's details show times; until one did, keep painting first.
    detailsShownOnce = shown !== null && shown.result !== null;
    renderShownDetails();
  }, 0));
}

function applyLanguage(): void {
  const w = words();
  document.documentElement.lang = language;
  document.title = w.title;
  for (const node of document.querySelectorAll<HTMLElement>("[data-text]")) {
    const key = node.dataset.text as keyof typeof w;
    const value = w[key];
    if (typeof value === "string") node.textContent = value;
  }
  (element("paste-text") as HTMLTextAreaElement).placeholder = w.pastePlaceholder;
  element("lang-de").setAttribute("aria-pressed", String(language === "de"));
  element("lang-en").setAttribute("aria-pressed", String(language === "en"));
  if (shown) show(shown);
}

function wire(): void {
  element("lang-de").addEventListener("click", () => { language = "de"; applyLanguage(); });
  element("lang-en").addEventListener("click", () => { language = "en"; applyLanguage(); });
  element("paste-button").addEventListener("click", () => checkText((element("paste-text") as HTMLTextAreaElement).value));
  element("file").addEventListener("change", (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void checkFile(file);
  });
  document.body.addEventListener("dragover", (event) => event.preventDefault());
  document.body.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer?.files?.[0];
    if (file) void checkFile(file);
  });
  element("scan").addEventListener("click", async () => {
    const video = element("camera") as HTMLVideoElement;
    const scanner = loadScanner();
    if (!video.hidden) return scanner.stopCamera(video);
    await scanner.startCamera(video, (found) => { scanner.stopCamera(video);
      location.hash = found.slice(found.indexOf("#") + 1); checkText(found); });
  });
  window.addEventListener("hashchange", () => { if (location.hash.length > 1) checkText(location.hash.slice(1)); });
}

wire();
applyLanguage();
if (location.hash.length > 1) checkText(location.hash.slice(1));
