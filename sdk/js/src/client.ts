// A small read client for a node's HTTP API: the parts of a proof bundle in
// one request (GET /v1/bundle) and the node's trust anchor. Nothing the
// node says is trusted: the bundle is verified like any other.
import { fromHex, toHex } from "./bytes.js";
import { type TrustAnchor, trustAnchorFromJson, trustAnchorId } from "./anchor.js";
import { type CertifiedBlock, type ProofBundle } from "./bundle.js";
import { decodeCommit, decodeHeader } from "./chain.js";
import { decodeStateProof } from "./stateProof.js";

export class NodeError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = "NodeError";
  }
}

async function getJson(nodeUrl: string, path: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(nodeUrl.replace(/\/+$/, "") + path, { signal: controller.signal, credentials: "omit",
      referrerPolicy: "no-referrer", cache: "no-store" });
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok) {
      const failure = (body.error ?? {}) as { code?: string; message?: string };
      throw new NodeError(failure.message ?? `HTTP ${response.status}`, failure.code ?? "unavailable");
    }
    return body;
  } catch (failure) {
    if (failure instanceof NodeError) throw failure;
    throw new NodeError("the node did not answer: " + String(failure), "unavailable");
  } finally {
    clearTimeout(timer);
  }
}

function hexField(object: unknown, name: string): Uint8Array {
  const value = (object as Record<string, unknown>)[name];
  if (typeof value !== "string") throw new NodeError(`bundle answer: '${name}' missing`, "malformed");
  return fromHex(value);
}

function certifiedBlock(object: unknown): CertifiedBlock {
  return { header: decodeHeader(hexField(object, "header_hex")), commit: decodeCommit(hexField(object, "commit_hex")) };
}

/** The bundle of `keys` at the node's latest block, starting from `anchor` (client::fetch_bundle). */
export async function fetchBundle(nodeUrl: string, keys: Uint8Array[], anchor: TrustAnchor,
  timeoutMs = 10000): Promise<ProofBundle> {
  const query = keys.map((key) => "&key=" + toHex(key)).join("");
  const body = await getJson(nodeUrl, `/v1/bundle?from_height=${anchor.height}${query}`, timeoutMs);
  if (body.chain_id !== anchor.chainId)
    throw new NodeError(`the node serves chain '${String(body.chain_id)}', not '${anchor.chainId}'`, "wrong_chain");
  const entries = body.entries as unknown[];
  const changes = body.validator_changes as unknown[];
  if (!Array.isArray(entries) || entries.length !== keys.length || !Array.isArray(changes))
    throw new NodeError("the node answered for other keys", "invalid");
  return {
    chainId: anchor.chainId,
    anchorId: trustAnchorId(anchor),
    anchorHeight: anchor.height,
    changes: changes.map((change) => {
      const item = change as Record<string, unknown>;
      const proofBytes = hexField(item, "proof_hex");
      return { activationHeight: BigInt(item.activation_height as number), validatorsValue: hexField(item,
        "validators_value_hex"), proof: decodeStateProof(proofBytes), proofBytes, block: certifiedBlock(item.block) };
    }),
    block: certifiedBlock(body.block),
    entries: entries.map((entry, index) => {
      const item = entry as Record<string, unknown>;
      const proofBytes = hexField(item, "proof_hex");
      if (toHex(hexField(item, "key_hex")) !== toHex(keys[index]))
        throw new NodeError("the node answered for another key", "invalid");
      return { key: keys[index], value: item.value_hex === null ? null : hexField(item, "value_hex"),
        proof: decodeStateProof(proofBytes), proofBytes };
    }),
  };
}

/** The node's genesis anchor (GET /v1/trust-anchor): what that node claims. */
export async function fetchTrustAnchor(nodeUrl: string, timeoutMs = 10000): Promise<TrustAnchor> {
  return trustAnchorFromJson(await getJson(nodeUrl, "/v1/trust-anchor", timeoutMs));
}
