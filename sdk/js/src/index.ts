// @govchain/verify: checks govchain proof bundles, certificate commitments
// and state proofs exactly like the C++ client (sdk/client), with no node;
// and reads bundles from a node's HTTP API (docs/verification.md).
export * from "./bytes.js";
export * from "./codec.js";
export * from "./hash.js";
export * from "./stateProof.js";
export * from "./chain.js";
export * from "./anchor.js";
export * from "./bundle.js";
export * from "./canonical.js";
export * from "./certificate.js";
export * from "./payload.js";
export * from "./client.js";
export * from "./certificateFile.js";
