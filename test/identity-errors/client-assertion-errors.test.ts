/**
 * Client assertions (certificate and federated): the shapes real clients send are accepted
 * (msal-node PS256 + `x5t#S256`, MSAL Python RS256 + padded SHA-1 `x5t`, float times, no
 * `nbf`), and every forged, stale or misdirected assertion is refused with its AADSTS code.
 * Assertions are built by hand with node:crypto.
 */
import assert from "node:assert/strict";
import { createHmac, createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/kernel/index.js";
import { createClientCertificate } from "../../src/tls/index.js";
import { startTestKeyless, type TestKeyless } from "../support/keyless.js";
import {
  assertionClaims,
  assertionForm,
  assertOAuthError,
  assertTokenIssued,
  type CertificateMaterial,
  decodePart,
  readCertificatePem,
  signJwt,
  unsignedJwt,
  x5tS256,
  x5tSha1Padded,
} from "./token-requests.js";

let keyless: TestKeyless;
let cert: CertificateMaterial;
let clientId: string;
let audience: string;
const clock = new ManualClock(Date.now());

before(async () => {
  keyless = await startTestKeyless({}, { clock });
  cert = readCertificatePem(keyless.env.certificateServicePrincipal.certificatePath);
  clientId = keyless.env.certificateServicePrincipal.appId;
  audience = keyless.env.endpoints.token;
});
after(async () => {
  await keyless?.stop();
});

/** msal-node's shape: PS256, `x5t#S256`, integer times with `nbf`. */
function msalNodeAssertion(
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): string {
  return signJwt(
    { alg: "PS256", typ: "JWT", "x5t#S256": x5tS256(cert.certificate), ...header },
    assertionClaims(clientId, audience, clock.now(), claims),
    cert.privateKey,
  );
}

describe("accepted shapes", () => {
  test("PS256 with x5t#S256 (msal-node) gets a certificate-grade token", async () => {
    const body = assertTokenIssued(await postAssertion(msalNodeAssertion()));
    const claims = decodePart(body.access_token, 1);
    assert.equal(claims.appid, clientId);
    assert.equal(claims.appidacr, "2");
  });

  test("RS256 with a padded SHA-1 x5t, float exp/iat and no nbf (MSAL Python) is accepted", async () => {
    const x5t = x5tSha1Padded(cert.certificate);
    assert.ok(x5t.endsWith("="), "MSAL Python keeps the base64 padding");
    const now = clock.now() / 1000 + 0.0070226;
    const payload = {
      aud: audience,
      iss: clientId,
      sub: clientId,
      exp: now + 600,
      iat: now,
      jti: crypto.randomUUID(),
    };
    assert.equal(Number.isInteger(payload.exp), false);
    const assertion = signJwt({ alg: "RS256", typ: "JWT", x5t }, payload, cert.privateKey);
    const body = assertTokenIssued(await postAssertion(assertion));
    assert.equal(decodePart(body.access_token, 1).appid, clientId);
  });

  test("the audience may name the tenant by domain or use the v1 token endpoint", async () => {
    const origin = keyless.env.endpoints.https;
    for (const aud of [
      `${origin}/${keyless.env.tenantDomain}/oauth2/v2.0/token`,
      `${origin}/${keyless.env.tenantId}/oauth2/token`,
    ]) {
      assertTokenIssued(await postAssertion(msalNodeAssertion({ aud })));
    }
  });
});

describe("malformed requests", () => {
  for (const [label, value] of [
    ["a non-JWT", "not-a-jwt"],
    ["two segments", "eyJhbGciOiJQUzI1NiJ9.e30"],
    ["a header that is not JSON", "bm90IGpzb24.e30.c2ln"],
    ["an empty string", ""],
  ] as const) {
    test(`${label} as client_assertion is 400 invalid_request AADSTS50027`, async () => {
      const response = await postAssertion(value);
      assertOAuthError(response, {
        status: 400,
        error: "invalid_request",
        code: 50027,
        text: "JWT token is invalid or malformed.",
      });
    });
  }

  test("a wrong client_assertion_type is AADSTS50027", async () => {
    const type = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer";
    const response = await postAssertion(msalNodeAssertion(), { client_assertion_type: type });
    assertOAuthError(response, {
      status: 400,
      error: "invalid_request",
      code: 50027,
      text: `Client assertion type '${type}' is not supported`,
    });
  });

  test("a missing client_assertion_type is AADSTS50027", async () => {
    const response = await postAssertion(msalNodeAssertion(), { client_assertion_type: undefined });
    assertOAuthError(response, { status: 400, error: "invalid_request", code: 50027 });
  });
});

describe("signature", () => {
  test("a certificate that is not registered on the application is 401 AADSTS700027", async () => {
    const other = await createClientCertificate("unregistered");
    const otherCert = new X509Certificate(other.certificatePem);
    const assertion = signJwt(
      { alg: "PS256", typ: "JWT", "x5t#S256": x5tS256(otherCert) },
      assertionClaims(clientId, audience, clock.now()),
      createPrivateKey(other.pem),
    );
    assertOAuthError(await postAssertion(assertion), {
      status: 401,
      error: "invalid_client",
      code: 700027,
      text: "The certificate with identifier used to sign the client assertion is not registered on application.",
    });
  });

  test("another application's registered certificate does not sign for this one", async () => {
    const directory = keyless.server.identity.directory;
    const { application } = await directory.createApplication({
      tenantId: keyless.env.tenantId,
      displayName: "no-certificate-app",
    });
    const assertion = signJwt(
      { alg: "PS256", typ: "JWT", "x5t#S256": x5tS256(cert.certificate) },
      assertionClaims(application.appId, audience, clock.now()),
      cert.privateKey,
    );
    const response = await postAssertion(assertion, { client_id: application.appId });
    assertOAuthError(response, { status: 401, error: "invalid_client", code: 700027 });
  });

  test("no thumbprint in the header is AADSTS700027", async () => {
    const assertion = signJwt(
      { alg: "PS256", typ: "JWT" },
      assertionClaims(clientId, audience, clock.now()),
      cert.privateKey,
    );
    assertOAuthError(await postAssertion(assertion), {
      status: 401,
      error: "invalid_client",
      code: 700027,
    });
  });

  test("the registered thumbprint with another key's signature is AADSTS700027", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const assertion = signJwt(
      { alg: "PS256", typ: "JWT", "x5t#S256": x5tS256(cert.certificate) },
      assertionClaims(clientId, audience, clock.now()),
      privateKey,
    );
    assertOAuthError(await postAssertion(assertion), {
      status: 401,
      error: "invalid_client",
      code: 700027,
      text: "Client assertion failed signature validation.",
    });
  });

  test("a payload changed after signing is AADSTS700027", async () => {
    const [header, , signature] = msalNodeAssertion().split(".");
    const forged = Buffer.from(
      JSON.stringify(assertionClaims(clientId, audience, clock.now(), { exp: 4_102_444_800 })),
    ).toString("base64url");
    assertOAuthError(await postAssertion(`${header}.${forged}.${signature}`), {
      status: 401,
      error: "invalid_client",
      code: 700027,
      text: "Client assertion failed signature validation.",
    });
  });

  test("alg none is AADSTS700027", async () => {
    const assertion = unsignedJwt(
      { alg: "none", typ: "JWT", "x5t#S256": x5tS256(cert.certificate) },
      assertionClaims(clientId, audience, clock.now()),
    );
    assertOAuthError(await postAssertion(assertion), {
      status: 401,
      error: "invalid_client",
      code: 700027,
    });
  });

  test("HS256 keyed with the certificate's public key is AADSTS700027", async () => {
    const header = Buffer.from(
      JSON.stringify({ alg: "HS256", typ: "JWT", "x5t#S256": x5tS256(cert.certificate) }),
    ).toString("base64url");
    const payload = Buffer.from(
      JSON.stringify(assertionClaims(clientId, audience, clock.now())),
    ).toString("base64url");
    const publicPem = cert.certificate.publicKey.export({ format: "pem", type: "spki" });
    const mac = createHmac("sha256", publicPem).update(`${header}.${payload}`).digest("base64url");
    assertOAuthError(await postAssertion(`${header}.${payload}.${mac}`), {
      status: 401,
      error: "invalid_client",
      code: 700027,
    });
  });

  test("an RS256 signature labelled PS256 is AADSTS700027", async () => {
    const rs = signJwt(
      { alg: "RS256", typ: "JWT", "x5t#S256": x5tS256(cert.certificate) },
      assertionClaims(clientId, audience, clock.now()),
      cert.privateKey,
    );
    const [, payload, signature] = rs.split(".");
    const psHeader = Buffer.from(
      JSON.stringify({ alg: "PS256", typ: "JWT", "x5t#S256": x5tS256(cert.certificate) }),
    ).toString("base64url");
    assertOAuthError(await postAssertion(`${psHeader}.${payload}.${signature}`), {
      status: 401,
      error: "invalid_client",
      code: 700027,
    });
  });
});

describe("claims", () => {
  const nowSeconds = () => Math.floor(clock.now() / 1000);

  test("an expired assertion is 401 AADSTS700024", async () => {
    const assertion = msalNodeAssertion({
      iat: nowSeconds() - 1200,
      nbf: nowSeconds() - 1200,
      exp: nowSeconds() - 600,
    });
    assertOAuthError(await postAssertion(assertion), {
      status: 401,
      error: "invalid_client",
      code: 700024,
      text: "Client assertion is not within its valid time range.",
    });
  });

  test("an assertion becomes AADSTS700024 once the clock passes exp plus the skew", async () => {
    const assertion = msalNodeAssertion();
    assertTokenIssued(await postAssertion(assertion));
    const start = clock.now();
    try {
      clock.advance((600 + 61) * 1000);
      assertOAuthError(await postAssertion(assertion), {
        status: 401,
        error: "invalid_client",
        code: 700024,
      });
    } finally {
      clock.set(start);
    }
  });

  test("a fresh assertion from a certificate past its notAfter is AADSTS700024", async () => {
    const start = clock.now();
    try {
      clock.set(Date.parse(cert.certificate.validTo) + 86_400_000);
      assertOAuthError(await postAssertion(msalNodeAssertion()), {
        status: 401,
        error: "invalid_client",
        code: 700024,
      });
    } finally {
      clock.set(start);
    }
  });

  test("an assertion not valid before a future nbf is AADSTS700024", async () => {
    const assertion = msalNodeAssertion({ nbf: nowSeconds() + 600, exp: nowSeconds() + 1200 });
    assertOAuthError(await postAssertion(assertion), {
      status: 401,
      error: "invalid_client",
      code: 700024,
    });
  });

  test("an assertion without exp is AADSTS700024", async () => {
    const assertion = msalNodeAssertion({ exp: undefined });
    assertOAuthError(await postAssertion(assertion), {
      status: 401,
      error: "invalid_client",
      code: 700024,
    });
  });

  test("a string exp is AADSTS700024", async () => {
    const assertion = msalNodeAssertion({ exp: String(nowSeconds() + 600) });
    assertOAuthError(await postAssertion(assertion), {
      status: 401,
      error: "invalid_client",
      code: 700024,
    });
  });

  for (const [label, aud] of [
    [
      "Entra's token endpoint",
      () => `https://login.microsoftonline.com/${keyless.env.tenantId}/oauth2/v2.0/token`,
    ],
    [
      "another tenant's path",
      () => `${keyless.env.endpoints.https}/other-tenant/oauth2/v2.0/token`,
    ],
    ["the discovery document", () => keyless.env.endpoints.openIdConfiguration],
  ] as const) {
    test(`an audience of ${label} is 401 AADSTS700212`, async () => {
      const value = aud();
      assertOAuthError(await postAssertion(msalNodeAssertion({ aud: value })), {
        status: 401,
        error: "invalid_client",
        code: 700212,
        text: `The audience '${value}' of the client assertion is not this tenant's token endpoint.`,
      });
    });
  }

  test("an array audience is refused (AADSTS700212)", async () => {
    const assertion = msalNodeAssertion({ aud: [audience] });
    assertOAuthError(await postAssertion(assertion), {
      status: 401,
      error: "invalid_client",
      code: 700212,
    });
  });

  test("a sub other than the client id is AADSTS700021", async () => {
    const assertion = msalNodeAssertion({ sub: keyless.env.servicePrincipal.appId });
    assertOAuthError(await postAssertion(assertion), {
      status: 401,
      error: "invalid_client",
      code: 700021,
      text: "Client assertion application identifier doesn't match 'client_id' parameter.",
    });
  });
});

describe("federated assertions", () => {
  test("an outside issuer with no matching federated credential is 400 AADSTS70021", async () => {
    const issuer = "https://token.actions.githubusercontent.com";
    const subject = "repo:example/app:ref:refs/heads/main";
    const aud = "api://AzureADTokenExchange";
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const assertion = signJwt(
      { alg: "RS256", typ: "JWT", kid: "gh" },
      { iss: issuer, sub: subject, aud, exp: Math.floor(clock.now() / 1000) + 600 },
      privateKey,
    );
    const response = await postAssertion(assertion, {
      client_id: keyless.env.servicePrincipal.appId,
    });
    assertOAuthError(response, {
      status: 400,
      error: "invalid_request",
      code: 70021,
      text: `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${aud}'.`,
    });
  });

  test("another application's certificate assertion is no federated credential (AADSTS70021)", async () => {
    // iss = the certificate app, client_id = the secret app: the iss does not match client_id.
    const response = await postAssertion(msalNodeAssertion(), {
      client_id: keyless.env.servicePrincipal.appId,
    });
    assertOAuthError(response, { status: 400, error: "invalid_request", code: 70021 });
  });

  describe("with Keyless itself as the trusted issuer", () => {
    let workloadAppId: string;
    let miToken: string;

    before(async () => {
      const directory = keyless.server.identity.directory;
      const { application } = await directory.createApplication({
        tenantId: keyless.env.tenantId,
        displayName: "workload-app",
      });
      workloadAppId = application.appId;
      await directory.addFederatedCredential(workloadAppId, {
        name: "dev-identity",
        issuer: `${keyless.env.endpoints.https}/${keyless.env.tenantId}/`,
        subject: keyless.env.managedIdentity.principalId,
      });
      const response = await keyless.server.managedIdentity.inject({
        method: "GET",
        url: "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=api://AzureADTokenExchange",
        headers: { metadata: "true" },
      });
      assert.equal(response.statusCode, 200, response.body);
      miToken = response.json<{ access_token: string }>().access_token;
    });

    const federatedForm = (assertion: string) => ({
      client_id: workloadAppId,
      client_assertion: assertion,
    });

    test("the managed identity's token is accepted as the assertion (the control case)", async () => {
      const body = assertTokenIssued(await postAssertion(miToken, federatedForm(miToken)));
      assert.equal(decodePart(body.access_token, 1).appid, workloadAppId);
    });

    test("the same token with its payload changed is refused (AADSTS700222)", async () => {
      const [header, payload, signature] = miToken.split(".");
      const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")) as Record<
        string,
        unknown
      >;
      claims.exp = (claims.exp as number) + 86_400;
      const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
      assertOAuthError(await postAssertion(forged, federatedForm(forged)), {
        status: 400,
        error: "invalid_client",
        code: 700222,
        text: "bad signature",
      });
    });

    test("the token once expired is AADSTS700024", async () => {
      const start = clock.now();
      try {
        clock.advance(3 * 3600 * 1000);
        assertOAuthError(await postAssertion(miToken, federatedForm(miToken)), {
          status: 401,
          error: "invalid_client",
          code: 700024,
        });
      } finally {
        clock.set(start);
      }
    });

    test("the token of a disabled managed identity is refused", async () => {
      const directory = keyless.server.identity.directory;
      await directory.setAccountEnabled(keyless.env.managedIdentity.principalId, false);
      try {
        assertOAuthError(await postAssertion(miToken, federatedForm(miToken)), {
          status: 400,
          error: "invalid_client",
          code: 700222,
          text: "principal disabled",
        });
      } finally {
        await directory.setAccountEnabled(keyless.env.managedIdentity.principalId, true);
      }
    });
  });
});

function postAssertion(assertion: string, overrides: Record<string, string | undefined> = {}) {
  return keyless.server.https.inject({
    method: "POST",
    url: `/${keyless.env.tenantId}/oauth2/v2.0/token`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams(assertionForm(keyless, assertion, overrides)).toString(),
  });
}
