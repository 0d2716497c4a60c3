/**
 * Verifies an access token the way a relying party would: only from what Keyless publishes.
 * The keys come from the `jwks_uri` of the tenant's openid-configuration document (the one
 * msal-node reads), the signature and `iss`/`aud` are checked by `jose`, then the Entra v1
 * claims Keyless promises (azure-facts.md §5) are compared with what the test expects.
 */
import assert from "node:assert/strict";
import type { AccessToken } from "@azure/identity";
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";

/** What both `startTestKeyless()` and `spawnKeyless()` return, as far as verification needs. */
export interface KeylessOrigin {
  httpsUrl: string;
  env: { tenantId: string };
}

export interface ExpectedToken {
  /** The scope without `/.default`, e.g. `https://cognitiveservices.azure.com`. */
  audience: string;
  /** The principal's object id (service principal, managed identity or user). */
  oid: string;
  /** The client application's id (`appid` in v1 tokens). */
  appid: string;
  /** "0" public client, "1" secret, "2" certificate, federated or managed identity. */
  appidacr: "0" | "1" | "2";
  idtyp: "app" | "user";
}

// Keyless's default token lifetime range (KEYLESS_TOKEN_LIFETIME_MIN/MAX_SECONDS), like Entra's 60–90 min.
const LIFETIME_MIN_SECONDS = 3600;
const LIFETIME_MAX_SECONDS = 5400;
// The SDK computes expiresOnTimestamp from its own clock (expires_in) or from expires_on.
const EXPIRY_TOLERANCE_MS = 30_000;

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `GET ${url} answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

/** The v1 issuer Keyless signs with for a tenant: `${httpsUrl}/${tenantId}/`. */
export const v1Issuer = (keyless: KeylessOrigin): string =>
  `${keyless.httpsUrl}/${keyless.env.tenantId}/`;

/**
 * Checks `token` against the tenant's published keys and `expected`; returns the verified
 * claims for further checks. Given the SDK's `AccessToken`, also checks its expiry and type.
 */
export async function verifyWithJwks(
  token: AccessToken | string,
  keyless: KeylessOrigin,
  expected: ExpectedToken,
): Promise<JWTPayload> {
  const jwt = typeof token === "string" ? token : token.token;
  const { tenantId } = keyless.env;
  const issuer = v1Issuer(keyless);

  const discovery = await getJson(
    `${keyless.httpsUrl}/${tenantId}/v2.0/.well-known/openid-configuration`,
  );
  assert.equal(typeof discovery.jwks_uri, "string", "openid-configuration has a jwks_uri");
  const jwksUri = new URL(discovery.jwks_uri as string);
  // The v1 document announces the issuer v1 tokens carry.
  const v1Discovery = await getJson(
    `${keyless.httpsUrl}/${tenantId}/.well-known/openid-configuration`,
  );
  assert.equal(v1Discovery.issuer, issuer);

  const { payload, protectedHeader } = await jwtVerify(jwt, createRemoteJWKSet(jwksUri), {
    issuer,
    audience: expected.audience,
    algorithms: ["RS256"],
    requiredClaims: ["iat", "nbf", "exp", "tid", "oid", "sub"],
  });

  const jwks = (await getJson(jwksUri.href)) as { keys?: { kid?: string }[] };
  const kids = (jwks.keys ?? []).map((key) => key.kid);
  assert.ok(
    typeof protectedHeader.kid === "string" && kids.includes(protectedHeader.kid),
    `kid ${protectedHeader.kid} is one of the JWKS keys ${kids.join(", ")}`,
  );

  assert.equal(payload.aud, expected.audience);
  assert.equal(payload.iss, issuer);
  assert.equal(payload.tid, tenantId);
  assert.equal(payload.oid, expected.oid);
  if (expected.idtyp === "app") assert.equal(payload.sub, expected.oid, "app tokens: sub = oid");
  else
    assert.ok(typeof payload.sub === "string" && payload.sub.length > 0, "user tokens have a sub");
  assert.equal(payload.appid, expected.appid);
  assert.equal(payload.appidacr, expected.appidacr);
  assert.equal(payload.idtyp, expected.idtyp);
  assert.equal(payload.ver, "1.0");

  const now = Math.floor(Date.now() / 1000);
  const lifetime = payload.exp! - payload.iat!;
  assert.ok(
    lifetime >= LIFETIME_MIN_SECONDS && lifetime <= LIFETIME_MAX_SECONDS,
    `exp - iat = ${lifetime}, expected ${LIFETIME_MIN_SECONDS}..${LIFETIME_MAX_SECONDS}`,
  );
  assert.ok(payload.nbf! <= now, `nbf ${payload.nbf} is not after now ${now}`);
  assert.ok(payload.iat! <= now, `iat ${payload.iat} is not after now ${now}`);

  if (typeof token !== "string") {
    assert.ok(
      Math.abs(token.expiresOnTimestamp - payload.exp! * 1000) <= EXPIRY_TOLERANCE_MS,
      `expiresOnTimestamp ${token.expiresOnTimestamp} matches exp ${payload.exp}`,
    );
    if (token.tokenType !== undefined) assert.equal(token.tokenType, "Bearer");
  }
  return payload;
}
