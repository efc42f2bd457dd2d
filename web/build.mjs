// Builds the verification page as ONE self-contained HTML file: the script
// (the page, the verifier of sdk/js and the QR reader, bundled by esbuild),
// the styles and the configuration inline, nothing loaded from anywhere.
//   node build.mjs --out FILE [--anchor ANCHOR_OR_GENESIS.json]... [--node URL]...
// --anchor pins trust anchors (a trust anchor file or a genesis file); with
// none, a page served by a node asks that node for its genesis anchor, and a
// page opened from disk uses the anchor a certificate file names (and says so).
// --node names the node to ask for fresh proofs (default: the page's origin).
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name) => args.flatMap((arg, index) => (arg === name ? [args[index + 1]] : []));
const out = option("--out")[0];
if (!out) {
  console.error("usage: node build.mjs --out FILE [--anchor FILE]... [--node URL]...");
  process.exit(2);
}

function anchorOf(path) {
  const object = JSON.parse(readFileSync(path, "utf8"));
  if (object.format === "govchain-trust-anchor") return object;
  // A genesis file: its chain id and validators, deciding from height 1.
  return { format: "govchain-trust-anchor", version: 1, chain_id: object.chain_id, height: 1,
    validators: object.validators.map((validator) => validator.public_key) };
}

const config = { anchors: option("--anchor").map(anchorOf), nodes: option("--node") };
// Two bundles: the page's script, and the QR reader, which the page runs
// only when a person scans (web/src/scanner-loader.ts).
async function bundle(entry) {
  const result = await build({
    entryPoints: [resolve(here, entry)],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2022",
    write: false,
    legalComments: "none",
    nodePaths: [resolve(here, "node_modules"), resolve(here, "../sdk/js/node_modules")],
  });
  const text = result.outputFiles[0].text;
  // "<!--" inside a script element changes how the HTML parser finds its end.
  if (text.includes("<!--")) throw new Error(`${entry}: the bundle contains "<!--", which cannot be inlined`);
  // "</script" inside the inlined code would end the element early.
  return text.replaceAll("</script", "<\\/script");
}
const code = await bundle("src/app.ts");
const scanner = await bundle("src/scanner-entry.ts");
const html = readFileSync(resolve(here, "src/page.html"), "utf8")
  .replace("/*STYLE*/", () => readFileSync(resolve(here, "src/style.css"), "utf8"))
  .replace("/*CONFIG*/", () => JSON.stringify(config).replaceAll("<", "\\u003c"))
  .replace("/*SCANNER*/", () => scanner)
  .replace("/*SCRIPT*/", () => code);
mkdirSync(dirname(resolve(out)), { recursive: true });
writeFileSync(out, html);
console.log(`wrote ${out} (${html.length} bytes, ${config.anchors.length} pinned anchors)`);
