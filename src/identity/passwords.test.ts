import assert from "node:assert/strict";
import { test } from "node:test";
import { hashPassword, verifyPassword } from "./passwords.js";

test("scrypt hashes verify the right password only, and record their cost", async () => {
  const stored = await hashPassword("correct horse");
  assert.match(stored, /^scrypt\$131072\$8\$1\$/);
  assert.equal(await verifyPassword("correct horse", stored), true);
  assert.equal(await verifyPassword("correct horse ", stored), false);
  assert.notEqual(stored, await hashPassword("correct horse"));
  assert.equal(await verifyPassword("x", "plain$x"), false);
});
