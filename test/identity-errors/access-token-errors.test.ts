/**
 * `verifier.verify` on tokens the running token endpoint issued: each way a token goes bad
 * gives its own `reason`. The unit test beside the verifier covers the forged shapes in depth.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { signRs256 } from "../../src/identity/jwt.js";
import { ManualClock } from "../../src/kernel/index.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import {
  assertTokenIssued,
  COGNITIVE_DEFAULT,
  decodePart,
  postToken,
  secretForm,
  unsignedJwt,
} from "./token-requests.js";

const AUDIENCES = ["https://cognitiveservices.azure.com"];

let keyless: TestKeyless;
const clock = new ManualClock(Date.now());

before(async () => {
  keyless = await startTestKeyless({}, { clock });
});
after(async () => {
  await keyless?.stop();
});

const verify = (token: string, audiences: readonly string[] | undefined = AUDIENCES) =>
  keyless.server.identity.verifier.verify(token, { audiences });

async function issue(form = secretForm(keyless)): Promise<string> {
  return assertTokenIssued(await postToken(keyless, form)).access_token;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

test("a fresh token verifies and names its principal (the control case)", async () => {
  const result = await verify(await issue());
  assert.equal(result.ok, true);
  assert.equal(result.ok && result.principal.id, keyless.env.servicePrincipal.objectId);
});

test("expired once the clock passes exp plus the skew, not before", async () => {
  const token = await issue();
  const exp = decodePart(token, 1).exp as number;
  const start = clock.now();
  try {
    clock.set((exp + 60) * 1000);
    assert.equal((await verify(token)).ok, true, "within the 60 s skew");
    clock.set((exp + 61) * 1000);
    assert.deepEqual(await reason(token), "expired");
  } finally {
    clock.set(start);
  }
});

test("not yet valid before nbf minus the skew", async () => {
  const token = await issue();
  const nbf = decodePart(token, 1).nbf as number;
  const start = clock.now();
  try {
    clock.set((nbf - 61) * 1000);
    assert.equal(await reason(token), "not_yet_valid");
    clock.set((nbf - 60) * 1000);
    assert.equal((await verify(token)).ok, true);
  } finally {
    clock.set(start);
  }
});

test("alg none and HS256 are unsupported algorithms", async () => {
  const token = await issue();
  const [, payload] = token.split(".");
  const header = decodePart(token, 0);
  assert.equal(
    await reason(unsignedJwt({ ...header, alg: "none" }, decodePart(token, 1))),
    "unsupported_algorithm",
  );
  assert.equal(
    await reason(`${b64({ ...header, alg: "HS256" })}.${payload}.c2ln`),
    "unsupported_algorithm",
  );
});

test("an unknown kid is unknown_key; a changed payload is bad_signature", async () => {
  const token = await issue();
  const [header, payload, signature] = token.split(".");
  const claims = decodePart(token, 1);
  assert.equal(
    await reason(`${b64({ ...decodePart(token, 0), kid: "not-a-key" })}.${payload}.${signature}`),
    "unknown_key",
  );
  assert.equal(
    await reason(`${header}.${b64({ ...claims, oid: keyless.env.user.objectId })}.${signature}`),
    "bad_signature",
  );
});

test("a token of another audience is wrong_audience", async () => {
  const token = await issue(
    secretForm(keyless, { scope: "https://management.azure.com/.default" }),
  );
  assert.equal(await reason(token), "wrong_audience");
  assert.equal((await verify(token, ["https://management.azure.com/"])).ok, true);
});

test("a token signed with Keyless' key under another issuer is wrong_issuer", async () => {
  const token = await issue();
  const claims = {
    ...decodePart(token, 1),
    iss: `https://login.microsoftonline.com/${keyless.env.tenantId}/`,
  };
  const signer = keyless.server.identity.keyRing.signer();
  const forged = await signRs256(decodePart(token, 0), claims, signer.privateKey);
  assert.equal(await reason(forged), "wrong_issuer");
});

test("a principal disabled after issuance makes its token principal_disabled", async () => {
  const directory = keyless.server.identity.directory;
  const { application, servicePrincipal } = await directory.createApplication({
    tenantId: keyless.env.tenantId,
    displayName: "disabled-after-issuance",
  });
  const { secret } = await directory.addClientSecret(application.appId);
  const token = await issue(
    secretForm(keyless, {
      client_id: application.appId,
      client_secret: secret,
      scope: COGNITIVE_DEFAULT,
    }),
  );
  assert.equal((await verify(token)).ok, true);
  await directory.setAccountEnabled(servicePrincipal.id, false);
  assert.equal(await reason(token), "principal_disabled");
  await directory.setAccountEnabled(servicePrincipal.id, true);
  assert.equal((await verify(token)).ok, true);
});

test("garbage is malformed", async () => {
  for (const token of ["", "abc", "a.b", "a.b.c.d", "!!.e30.x"]) {
    assert.equal(await reason(token), "malformed", token);
  }
});

async function reason(token: string): Promise<string> {
  const result = await verify(token);
  assert.equal(result.ok, false, "the token should be refused");
  return result.ok ? "" : result.reason;
}
