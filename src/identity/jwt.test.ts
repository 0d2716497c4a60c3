import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { test } from "node:test";
import { decodeJwt, signRs256, verifySignature } from "./jwt.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });

test("signs RS256 and verifies only with the allowed algorithm", async () => {
  const token = await signRs256({ alg: "RS256", typ: "JWT", kid: "k1" }, { sub: "x" }, privateKey);
  const jwt = decodeJwt(token)!;
  assert.equal(jwt.header.kid, "k1");
  assert.equal(jwt.payload.sub, "x");
  assert.equal(verifySignature(jwt, publicKey, ["RS256"]), true);
  assert.equal(verifySignature(jwt, publicKey, ["PS256"]), false, "RS256 not in the allow-list");
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
  assert.equal(verifySignature(jwt, other, ["RS256"]), false);
});

test("verifies PS256 (msal-node's client assertions)", () => {
  const input = `${Buffer.from(JSON.stringify({ alg: "PS256" })).toString("base64url")}.${Buffer.from("{}").toString("base64url")}`;
  const signature = sign("sha256", Buffer.from(input), {
    key: privateKey,
    padding: 6,
    saltLength: 32,
  });
  const jwt = decodeJwt(`${input}.${signature.toString("base64url")}`)!;
  assert.equal(verifySignature(jwt, publicKey, ["PS256"]), true);
  assert.equal(verifySignature(jwt, publicKey, ["RS256"]), false);
});

test("alg none and unknown algorithms never verify", () => {
  const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from("{}").toString("base64url")}.`;
  assert.equal(verifySignature(decodeJwt(none)!, publicKey, ["RS256", "none"]), false);
});

test("malformed tokens do not decode", () => {
  for (const bad of [
    "",
    "a.b",
    "a.b.c.d",
    "!!.e30.x",
    `${Buffer.from("[]").toString("base64url")}.e30.x`,
    "e30.bm90IGpzb24.x",
  ]) {
    assert.equal(decodeJwt(bad), undefined, bad);
  }
});
