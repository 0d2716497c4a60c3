import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { afterEach, beforeEach, describe, test } from "node:test";
import { epochSeconds, ManualClock, SecretBox } from "../kernel/index.js";
import { openStorage, type Storage } from "../storage/index.js";
import { AccessTokenVerifier, type TokenRejection } from "./access-token-verifier.js";
import { Directory } from "./directory.js";
import { signRs256, type JwtPayload } from "./jwt.js";
import { KeyRing } from "./key-ring.js";
import type { ServicePrincipal, Tenant } from "./model.js";
import { Origins, issuerV1, issuerV2 } from "./origins.js";
import { TokenIssuer } from "./token-issuer.js";

const SKEW = 60;
const LIFETIME = 3600;
const ROTATION = 30 * 86_400_000;
const VERIFY_WINDOW = (LIFETIME + SKEW) * 1000;
const AUDIENCE = "https://cognitiveservices.azure.com";

let storage: Storage;
let clock: ManualClock;
let origins: Origins;
let directory: Directory;
let keyRing: KeyRing;
let issuer: TokenIssuer;
let verifier: AccessTokenVerifier;
let tenant: Tenant;
let principal: ServicePrincipal;

beforeEach(async () => {
  storage = await openStorage({ sqlitePath: ":memory:" });
  clock = new ManualClock();
  origins = new Origins([]);
  origins.setHttpsPort(8443);
  directory = new Directory(storage.directory, clock);
  keyRing = new KeyRing(storage.signingKeys, new SecretBox(randomBytes(32)), clock, {
    rotationMs: ROTATION,
    verifyWindowMs: VERIFY_WINDOW,
  });
  await keyRing.refresh();
  issuer = new TokenIssuer(keyRing, clock, {
    lifetimeMinSeconds: LIFETIME,
    lifetimeMaxSeconds: LIFETIME,
  });
  verifier = new AccessTokenVerifier(keyRing, origins, storage.directory, clock, SKEW);
  tenant = await directory.createTenant({ displayName: "T", defaultDomain: "t.test" });
  ({ servicePrincipal: principal } = await directory.createApplication({
    tenantId: tenant.id,
    displayName: "app",
  }));
});
afterEach(async () => {
  await storage.close();
});

async function issue(version: 1 | 2 = 1, subject = principal): Promise<string> {
  const issued = await issuer.issue({
    tenant,
    origin: origins.canonical(),
    subject: { kind: "app", principal: subject, proof: "secret", groups: [] },
    resource:
      version === 1
        ? { audience: AUDIENCE, version: 1 }
        : { audience: "11111111-2222-4333-8444-555555555555", version: 2 },
  });
  return issued.accessToken;
}

const part = (token: string, index: 0 | 1): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[index]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Re-signs `token`'s header and changed claims with the ring's real key. */
async function resign(token: string, changes: JwtPayload, header: JwtPayload = {}) {
  const { privateKey } = keyRing.signer();
  return signRs256({ ...part(token, 0), ...header }, { ...part(token, 1), ...changes }, privateKey);
}

async function rejection(token: string, audiences: string[] | undefined = [AUDIENCE]) {
  const result = await verifier.verify(token, { audiences });
  assert.equal(result.ok, false, "the token should be refused");
  return result.ok ? undefined : result;
}

async function reason(token: string, audiences?: string[]): Promise<TokenRejection | undefined> {
  return (await rejection(token, audiences ?? [AUDIENCE]))?.reason;
}

test("a token Keyless issued verifies, with its claims and principal", async () => {
  const token = await issue();
  const result = await verifier.verify(token, { audiences: [AUDIENCE] });
  assert.equal(result.ok, true);
  assert.ok(result.ok);
  assert.equal(result.principal.id, principal.id);
  assert.equal(result.claims.iss, issuerV1(origins.canonical(), tenant.id));
});

test("v2 tokens (v2 issuer, application-id audience) verify too", async () => {
  const token = await issue(2);
  assert.equal(part(token, 1).iss, issuerV2(origins.canonical(), tenant.id));
  const result = await verifier.verify(token, {
    audiences: ["11111111-2222-4333-8444-555555555555"],
  });
  assert.equal(result.ok, true);
});

describe("lifetime", () => {
  test("expired once now passes exp plus the skew; the claims come with the refusal", async () => {
    const token = await issue();
    const exp = part(token, 1).exp as number;
    clock.set((exp + SKEW) * 1000);
    assert.equal((await verifier.verify(token, { audiences: [AUDIENCE] })).ok, true);
    clock.set((exp + SKEW) * 1000 + 1);
    const refused = await rejection(token);
    assert.equal(refused?.reason, "expired");
    assert.equal(refused?.claims?.oid, principal.id);
  });

  test("not yet valid before nbf minus the skew", async () => {
    const token = await issue();
    const nbf = part(token, 1).nbf as number;
    clock.set((nbf - SKEW) * 1000 - 1);
    assert.equal(await reason(token), "not_yet_valid");
    clock.set((nbf - SKEW) * 1000);
    assert.equal((await verifier.verify(token, { audiences: [AUDIENCE] })).ok, true);
  });

  test("no exp, or a string exp, is expired; a float exp is read as a number", async () => {
    const token = await issue();
    assert.equal(await reason(await resign(token, { exp: undefined })), "expired");
    const exp = part(token, 1).exp as number;
    assert.equal(await reason(await resign(token, { exp: String(exp) })), "expired");
    const float = await resign(token, { exp: exp + 0.5 });
    assert.equal((await verifier.verify(float, { audiences: [AUDIENCE] })).ok, true);
  });
});

describe("algorithm and key", () => {
  test("alg none is unsupported, even with a real kid", async () => {
    const token = await issue();
    const none = `${b64({ ...part(token, 0), alg: "none" })}.${token.split(".")[1]}.`;
    assert.equal(await reason(none), "unsupported_algorithm");
  });

  test("HS256 keyed with the public key is unsupported", async () => {
    const token = await issue();
    const header = b64({ ...part(token, 0), alg: "HS256" });
    const payload = token.split(".")[1]!;
    const kid = part(token, 0).kid as string;
    const publicPem = (await keyRing.verificationKey(kid))!.export({ type: "spki", format: "pem" });
    const mac = createHmac("sha256", publicPem).update(`${header}.${payload}`).digest("base64url");
    assert.equal(await reason(`${header}.${payload}.${mac}`), "unsupported_algorithm");
  });

  test("a correct PS256 signature by the ring's key is still unsupported (tokens are RS256)", async () => {
    const token = await issue();
    const header = b64({ ...part(token, 0), alg: "PS256" });
    const payload = token.split(".")[1]!;
    const signature = sign("sha256", Buffer.from(`${header}.${payload}`), {
      key: keyRing.signer().privateKey,
      padding: 6,
      saltLength: 32,
    });
    assert.equal(
      await reason(`${header}.${payload}.${signature.toString("base64url")}`),
      "unsupported_algorithm",
    );
  });

  test("a missing or unknown kid is unknown_key", async () => {
    const token = await issue();
    const [, payload, signature] = token.split(".");
    const { kid: _kid, ...withoutKid } = part(token, 0);
    assert.equal(await reason(`${b64(withoutKid)}.${payload}.${signature}`), "unknown_key");
    assert.equal(
      await reason(`${b64({ ...withoutKid, kid: "unknown" })}.${payload}.${signature}`),
      "unknown_key",
    );
    assert.equal(
      await reason(`${b64({ ...withoutKid, kid: 42 })}.${payload}.${signature}`),
      "unknown_key",
    );
  });

  test("a changed payload is bad_signature", async () => {
    const token = await issue();
    const [header, , signature] = token.split(".");
    const claims = { ...part(token, 1), exp: (part(token, 1).exp as number) + 86_400 };
    assert.equal(await reason(`${header}.${b64(claims)}.${signature}`), "bad_signature");
  });

  test("another key's signature under a real kid is bad_signature", async () => {
    const token = await issue();
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = await signRs256(part(token, 0), part(token, 1), privateKey);
    assert.equal(await reason(forged), "bad_signature");
  });

  test("a token of a rotated-out key verifies until the key's window passes, then unknown_key", async () => {
    const token = await issue();
    const { kid } = keyRing.signer();
    clock.advance(ROTATION);
    await keyRing.refresh();
    assert.notEqual(keyRing.signer().kid, kid);
    const exp = part(token, 1).exp as number;
    assert.ok(exp * 1000 < clock.now(), "the token itself has long expired");
    assert.equal(await reason(token), "expired", "still a known key, so the lifetime decides");
    clock.advance(VERIFY_WINDOW);
    assert.equal(await reason(token), "unknown_key");
  });

  test("garbage is malformed", async () => {
    for (const token of ["", "x", "a.b", "a.b.c.d", "!!.e30.x", `${b64([])}.e30.x`]) {
      assert.equal(await reason(token), "malformed", token);
    }
  });
});

describe("issuer and audience", () => {
  test("an issuer on a host that is not Keyless' is wrong_issuer", async () => {
    const token = await issue();
    for (const iss of [
      `https://login.microsoftonline.com/${tenant.id}/`,
      `https://evil.example:8443/${tenant.id}/`,
      `https://localhost:9999/${tenant.id}/`,
    ]) {
      assert.equal(await reason(await resign(token, { iss })), "wrong_issuer", iss);
    }
  });

  test("an issuer naming another tenant than tid, or no tid, is wrong_issuer", async () => {
    const token = await issue();
    const other = "00000000-1111-4222-8333-444444444444";
    assert.equal(
      await reason(await resign(token, { iss: issuerV1(origins.canonical(), other) })),
      "wrong_issuer",
    );
    assert.equal(await reason(await resign(token, { tid: undefined })), "wrong_issuer");
  });

  test("an audience not asked for is wrong_audience", async () => {
    const token = await issue();
    assert.equal(await reason(token, ["https://management.azure.com"]), "wrong_audience");
    assert.equal(await reason(token, []), "wrong_audience", "an empty list accepts nothing");
    assert.equal(await reason(await resign(token, { aud: undefined })), "wrong_audience");
    assert.equal(await reason(await resign(token, { aud: 42 })), "wrong_audience");
  });

  test("audiences compare without case or trailing slash, and may be an array", async () => {
    const token = await issue();
    assert.equal(
      (await verifier.verify(token, { audiences: ["HTTPS://COGNITIVESERVICES.AZURE.COM/"] })).ok,
      true,
    );
    const array = await resign(token, { aud: ["https://other", AUDIENCE] });
    assert.equal((await verifier.verify(array, { audiences: [AUDIENCE] })).ok, true);
  });
});

describe("principal", () => {
  test("a principal disabled after issuance refuses its token; re-enabled, it verifies again", async () => {
    const token = await issue();
    await directory.setAccountEnabled(principal.id, false);
    assert.equal(await reason(token), "principal_disabled");
    await directory.setAccountEnabled(principal.id, true);
    assert.equal((await verifier.verify(token, { audiences: [AUDIENCE] })).ok, true);
  });

  test("an oid that names no principal, or none at all, is refused", async () => {
    const token = await issue();
    assert.equal(
      await reason(await resign(token, { oid: "99999999-8888-4777-8666-555555555555" })),
      "principal_disabled",
    );
    assert.equal(await reason(await resign(token, { oid: undefined })), "principal_disabled");
  });

  test("a principal of another tenant than the token's tid is refused", async () => {
    const other = await directory.createTenant({ displayName: "O", defaultDomain: "o.test" });
    const token = await issue();
    const moved = await resign(token, {
      tid: other.id,
      iss: issuerV1(origins.canonical(), other.id),
    });
    assert.equal(await reason(moved), "principal_disabled");
  });
});

test("issued tokens carry the times the checks read", async () => {
  const token = await issue();
  const claims = part(token, 1);
  const now = epochSeconds(clock.now());
  assert.equal(claims.nbf, now);
  assert.equal(claims.iat, now);
  assert.equal(claims.exp, now + LIFETIME);
});
