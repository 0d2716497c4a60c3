import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, test } from "node:test";
import { ManualClock, SecretBox } from "../kernel/index.js";
import { openStorage, type Storage } from "../storage/index.js";
import { decodeJwt, signRs256, verifySignature } from "./jwt.js";
import { KeyRing } from "./key-ring.js";

const DAY = 86_400_000;
const ROTATION = 30 * DAY;
const VERIFY_WINDOW = (5400 + 60) * 1000;

let storage: Storage;
let clock: ManualClock;
let box: SecretBox;

beforeEach(async () => {
  storage = await openStorage({ sqlitePath: ":memory:" });
  clock = new ManualClock();
  box = new SecretBox(randomBytes(32));
});
afterEach(async () => {
  await storage.close();
});

const newRing = (secretBox = box) =>
  new KeyRing(storage.signingKeys, secretBox, clock, {
    rotationMs: ROTATION,
    verifyWindowMs: VERIFY_WINDOW,
  });

const kids = (ring: KeyRing) => ring.jwks().keys.map((key) => (key as { kid: string }).kid);

async function signedBy(ring: KeyRing): Promise<{ token: string; kid: string }> {
  const { kid, privateKey } = ring.signer();
  return { token: await signRs256({ alg: "RS256", kid }, { sub: "x" }, privateKey), kid };
}

describe("refresh", () => {
  test("an empty ring has no signer until the first refresh creates a key", async () => {
    const ring = newRing();
    assert.throws(() => ring.signer(), /no current signing key/);
    assert.deepEqual(ring.jwks().keys, []);
    await ring.refresh();
    const { kid } = ring.signer();
    assert.deepEqual(kids(ring), [kid]);
  });

  test("refreshing within the rotation period creates no key", async () => {
    const ring = newRing();
    await ring.refresh();
    const { kid } = ring.signer();
    clock.advance(ROTATION / 2);
    await ring.refresh();
    assert.equal(ring.signer().kid, kid);
    assert.equal((await storage.signingKeys.listSigningKeys(clock.now())).length, 1);
  });

  test("after the rotation period a refresh creates a new signer; the old key stays verifiable", async () => {
    const ring = newRing();
    await ring.refresh();
    const old = await signedBy(ring);

    clock.advance(ROTATION);
    await ring.refresh();
    const current = ring.signer().kid;
    assert.notEqual(current, old.kid);
    assert.deepEqual(kids(ring).sort(), [current, old.kid].sort());
    // A token the old key signed before the rotation still verifies.
    const key = await ring.verificationKey(old.kid);
    assert.ok(key);
    assert.equal(verifySignature(decodeJwt(old.token)!, key, ["RS256"]), true);
  });

  test("the retired key leaves JWKS, verification and the database once its window passes", async () => {
    const ring = newRing();
    await ring.refresh();
    const old = ring.signer().kid;
    const oldRecord = (await storage.signingKeys.listSigningKeys(clock.now()))[0]!;
    assert.equal(oldRecord.expiresAt, oldRecord.retireAt + VERIFY_WINDOW);

    clock.set(oldRecord.retireAt);
    await ring.refresh();
    const current = ring.signer().kid;

    clock.set(oldRecord.expiresAt - 1);
    assert.ok(kids(ring).includes(old), "still listed one millisecond before its expiry");
    assert.ok(await ring.verificationKey(old));

    clock.set(oldRecord.expiresAt);
    assert.deepEqual(kids(ring), [current], "gone from JWKS at its expiry");
    assert.equal(await ring.verificationKey(old), undefined);
    await ring.refresh();
    const stored = await storage.signingKeys.listSigningKeys(0);
    assert.deepEqual(
      stored.map((record) => record.kid),
      [current],
      "deleted from the database by the next refresh",
    );
  });

  test("a key is current at every instant when refreshes run once a minute", async () => {
    const ring = newRing();
    await ring.refresh();
    const first = ring.signer().kid;
    const retireAt = (await storage.signingKeys.listSigningKeys(clock.now()))[0]!.retireAt;
    // The background refresh runs every 60 s, at no particular phase relative to retireAt.
    clock.set(retireAt - 30_000);
    await ring.refresh();
    for (const at of [retireAt - 1, retireAt, retireAt + 29_999]) {
      clock.set(at);
      assert.doesNotThrow(() => ring.signer(), `a signer at retireAt${at - retireAt}ms`);
    }
    assert.notEqual(ring.signer().kid, first);
  });
});

describe("publishing ahead", () => {
  test("a successor is in every replica's JWKS minutes before it signs", async () => {
    const a = newRing();
    await a.refresh();
    const first = a.signer().kid;
    const b = newRing();
    await b.refresh();
    // The first refresh inside the renewal window (ten minutes before retirement).
    clock.advance(ROTATION - 9 * 60_000);
    await a.refresh();
    const successor = kids(a).find((kid) => kid !== first)!;
    assert.ok(successor, "a successor was created");
    assert.equal(a.signer().kid, first, "published, not yet signing");
    clock.advance(60_000);
    await b.refresh(); // b's periodic refresh picks it up before it signs anywhere
    assert.ok(kids(b).includes(successor));
    clock.advance(2 * 60_000);
    assert.equal(a.signer().kid, successor, "signs once its time comes");
    assert.equal(b.signer().kid, successor);
    assert.ok(await b.verificationKey(successor));
  });
});

describe("several replicas on one database", () => {
  test("a ring verifies a key another replica created, reloading at most once a second", async () => {
    const a = newRing();
    await a.refresh();
    const b = newRing();
    await b.refresh();
    assert.equal(b.signer().kid, a.signer().kid, "the second replica adopts the existing key");

    clock.advance(10);
    const newKid = await a.rotate();
    const token = (await signedBy(a)).token;
    assert.equal(a.signer().kid, newKid);
    // b reloaded less than a second ago: an unknown kid is not worth a database round trip yet.
    assert.equal(await b.verificationKey(newKid), undefined);
    clock.advance(1000);
    const key = await b.verificationKey(newKid);
    assert.ok(key, "found after reloading");
    assert.equal(verifySignature(decodeJwt(token)!, key, ["RS256"]), true);
  });

  test("an unknown kid is undefined after a reload too", async () => {
    const ring = newRing();
    await ring.refresh();
    clock.advance(1000);
    assert.equal(await ring.verificationKey("no-such-kid"), undefined);
  });

  test("a replica with another master key cannot open the sealed private keys", async () => {
    await newRing().refresh();
    const stranger = newRing(new SecretBox(randomBytes(32)));
    await assert.rejects(stranger.refresh());
  });
});

describe("what is published and stored", () => {
  test("JWKS holds public RSA keys only; the database holds the private half sealed", async () => {
    const ring = newRing();
    await ring.refresh();
    const [jwk] = ring.jwks().keys as Record<string, unknown>[];
    assert.equal(jwk!.kty, "RSA");
    assert.equal(jwk!.use, "sig");
    assert.equal(jwk!.alg, "RS256");
    assert.equal(jwk!.kid, ring.signer().kid);
    assert.equal(jwk!.x5t, jwk!.kid);
    for (const secret of ["d", "p", "q", "dp", "dq", "qi"]) assert.equal(jwk![secret], undefined);
    const [record] = await storage.signingKeys.listSigningKeys(clock.now());
    assert.doesNotMatch(record!.privateSealed, /PRIVATE KEY/);
    assert.match(record!.privateSealed, /^v1\./);
  });
});
