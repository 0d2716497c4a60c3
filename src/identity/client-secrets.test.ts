import assert from "node:assert/strict";
import { test } from "node:test";
import { generateClientSecret, hashClientSecret, verifyClientSecret } from "./client-secrets.js";

test("secrets have Entra's shape and are unique", () => {
  const a = generateClientSecret();
  assert.match(a, /^[A-Za-z0-9_.~-]{3}8Q~[A-Za-z0-9_.~-]{34}$/);
  assert.notEqual(a, generateClientSecret());
});

test("hash is salted and verifies only the same secret", () => {
  const secret = generateClientSecret();
  const first = hashClientSecret(secret);
  assert.notEqual(first, hashClientSecret(secret), "a salt makes equal secrets hash differently");
  assert.ok(!first.includes(secret));
  assert.equal(verifyClientSecret(secret, first), true);
  assert.equal(verifyClientSecret(secret + "x", first), false);
  assert.equal(verifyClientSecret(secret, "md5$abc$def"), false, "unknown schemes never verify");
});
