// Unit tests of the JavaScript verifier: encodings and canonical JSON.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as verify from "../dist/index.js";

test("base32 round-trips and refuses stray characters and bits", () => {
  for (const size of [0, 1, 2, 3, 4, 5, 6, 31, 32, 33, 1000]) {
    const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 37 + size) & 0xff);
    assert.deepEqual(verify.base32Decode(verify.base32Encode(bytes)), bytes);
  }
  assert.equal(verify.base32Encode(verify.utf8("foobar")), "MZXW6YTBOI");
  assert.throws(() => verify.base32Decode("MZXW6YTBO1"));
  assert.throws(() => verify.base32Decode("MZXW6YTBOJ"));  // non-zero unused bits
});

test("canonical JSON as docs/certificates.md", () => {
  assert.equal(verify.canonicalJson('{"b": 1, "a": {"z": [true, null], "y": -5}}'), '{"a":{"y":-5,"z":[true,null]},"b":1}');
  assert.equal(verify.canonicalJson('{"s": "a\\/b\\u00e9\\n\\u0007"}'), '{"s":"a/bé\\n\\u0007"}');
  assert.equal(verify.canonicalJson('{"€": 1, "é": 2, "z": 3}'), '{"z":3,"é":2,"€":1}');
  assert.throws(() => verify.canonicalJson('{"a": 1, "a": 2}'), /twice/);
  assert.throws(() => verify.canonicalJson('{"a": 1.0}'), /fractional/);
  assert.throws(() => verify.canonicalJson('{"a": 9007199254740992}'), /2\^53/);
  assert.throws(() => verify.canonicalJson("[]"), /object/);
  assert.throws(() => verify.canonicalJson('{"a": "\\udc00"}'), /UTF-8/);
  assert.throws(() => verify.canonicalJson('{"a": 1} x'));
});

test("trust anchors are named by the hash of their encoding", () => {
  const anchor = verify.trustAnchorFromJson({ format: "govchain-trust-anchor", version: 1, chain_id: "c", height: 1,
    validators: ["11".repeat(32), "00".repeat(31) + "01"] });
  assert.equal(verify.toHex(anchor.validators[0]), "00".repeat(31) + "01");
  const json = verify.trustAnchorToJson(anchor);
  assert.deepEqual(verify.trustAnchorFromJson(json), anchor);
  assert.throws(() => verify.trustAnchorFromJson({ ...json, id: "00".repeat(32) }), /id/);
});

test("verification links carry the reference, with or without a bundle", () => {
  const reference = { chainId: "c", contract: "dogpermit", id: new Uint8Array(32).fill(1),
    commitment: new Uint8Array(32).fill(2) };
  const link = verify.verifyLink("https://portal.example/", { reference, type: "dog_permit", bundle: null });
  assert.match(link, /^https:\/\/portal\.example\/verify#[A-Z2-7]+$/);
  const back = verify.verifyPayloadFromText(link);
  assert.deepEqual(back.reference, reference);
  assert.equal(back.bundle, null);
  const legacy = verify.verifyPayloadFromText(`govchain:1:c:dogpermit:${"01".repeat(32)}:${"02".repeat(32)}`);
  assert.deepEqual(legacy.reference, reference);
});

test("the lifecycle verdicts in their order", () => {
  const record = { id: new Uint8Array(32), type: "t", issuer: new Uint8Array(32), issuerMunicipality: "m",
    authority: "a", issuerAuthorized: true, municipality: "m", commitment: new Uint8Array(32), validFromMs: 100,
    validUntilMs: 1000, status: "suspended", history: [
      { height: 1n, timeMs: 100, actor: new Uint8Array(32), municipality: "m", status: "active", reason: "issued" },
      { height: 2n, timeMs: 500, actor: new Uint8Array(32), municipality: "m", status: "suspended", reason: "x" }] };
  const zero = new Uint8Array(32);
  assert.equal(verify.lifecycleVerdict(null, zero, 200).verdict, "unknown_id");
  assert.equal(verify.lifecycleVerdict(record, new Uint8Array(32).fill(1), 200).verdict, "commitment_mismatch");
  assert.equal(verify.lifecycleVerdict(record, zero, 50).verdict, "not_yet_valid");
  assert.equal(verify.lifecycleVerdict(record, zero, 200).verdict, "valid");
  assert.equal(verify.lifecycleVerdict(record, zero, 600).verdict, "suspended");
  assert.equal(verify.lifecycleVerdict(record, zero, 1000).verdict, "expired");
});

// As the C++ verifier (consensus::verify_commit_certificate): a repeated
// signer or one outside the set fails the check, even beside a quorum; a
// certificate whose signers are not ascending does not decode.
test("commit certificates refuse a repeated signer and an outsider", async () => {
  const { schnorr } = await import("@noble/curves/secp256k1.js");
  const secrets = [1, 2, 3, 4, 5].map((i) => new Uint8Array(32).fill(i));
  const pairs = secrets.map((secret) => ({ secret, key: schnorr.getPublicKey(secret) }));
  pairs.sort((a, b) => verify.compareBytes(a.key, b.key));
  const validators = pairs.slice(0, 4).map((pair) => pair.key);
  const header = {
    chainId: "js-test", height: 7n, timeMs: 1n, previousHash: new Uint8Array(32), txsRoot: new Uint8Array(32),
    stateRoot: new Uint8Array(32), receiptsRoot: new Uint8Array(32), proposer: validators[0],
    validatorSetHash: verify.validatorSetHash(validators),
    lastCommit: { height: 6n, round: 0, blockHash: new Uint8Array(32), signatures: [] },
  };
  const hash = verify.blockHash(header);
  const sign = (pair) => ({
    validator: pair.key,
    signature: schnorr.sign(verify.commitSignHash("js-test", 7n, 0, hash, pair.key), pair.secret),
  });
  const commit = (signers) => ({ height: 7n, round: 0, blockHash: hash, signatures: signers.map(sign) });
  assert.equal(verify.verifyCommit(header, commit(pairs.slice(0, 3)), validators).signaturesValid, 3);
  assert.throws(() => verify.verifyCommit(header, commit([...pairs.slice(0, 3), pairs[0]]), validators), /twice/);
  assert.throws(() => verify.verifyCommit(header, commit([...pairs.slice(0, 3), pairs[4]]), validators), /not a validator/);
  const unsorted = commit([pairs[1], pairs[0], pairs[2]]);
  assert.throws(() => verify.decodeCommit(verify.encodeCommit(unsorted)), /ascending/);
});

// docs/decisions/bundle-size.md: a bundle of a version this verifier does
// not read is refused naming its version (as client::peek_bundle).
test("a bundle of another format version is refused naming the version", () => {
  const writer = new verify.Writer();
  writer.u8(2);
  writer.text("js-test");
  writer.raw(new Uint8Array(32));
  writer.u64(1n);
  assert.throws(() => verify.peekBundle(writer.data()), /unknown format version 2 \(this verifier reads version 1\)/);
});
