import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { SecretBox } from "./secret-box.js";

const box = new SecretBox(randomBytes(32));

test("seals and opens", () => {
  const sealed = box.seal("private key", "signing-key:abc");
  assert.ok(!sealed.includes("private key"));
  assert.equal(box.open(sealed, "signing-key:abc"), "private key");
});

test("each seal is different (random IV)", () => {
  assert.notEqual(box.seal("x", "c"), box.seal("x", "c"));
});

test("a ciphertext moved to another row (context) does not open", () => {
  assert.throws(() => box.open(box.seal("secret", "signing-key:a"), "signing-key:b"));
});

test("a tampered ciphertext or another key does not open", () => {
  const sealed = box.seal("secret", "ctx");
  const parts = sealed.split(".");
  const flipped = Buffer.from(parts[3]!, "base64url");
  flipped[0]! ^= 1;
  parts[3] = flipped.toString("base64url");
  assert.throws(() => box.open(parts.join("."), "ctx"));
  assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, "ctx"));
});

test("only 32-byte keys", () => {
  assert.throws(() => new SecretBox(randomBytes(16)), /32 bytes/);
});
