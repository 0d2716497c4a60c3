/**
 * Helpers for the token service's negative tests: form posts through `inject`, the Entra
 * error-body check, and client assertions built by hand with node:crypto.
 */
import assert from "node:assert/strict";
import {
  constants,
  createHash,
  createPrivateKey,
  sign,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { readFileSync } from "node:fs";
import type { LightMyRequestResponse } from "fastify";
import type { TestKeyless } from "../support/keyless.js";

export const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const COGNITIVE_DEFAULT = "https://cognitiveservices.azure.com/.default";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface TokenPost {
  /** The tenant path segment; the dev tenant's id by default. */
  tenant?: string;
  /** 1 posts to `/{tenant}/oauth2/token`, 2 (default) to `/{tenant}/oauth2/v2.0/token`. */
  version?: 1 | 2;
  headers?: Record<string, string>;
  /** The caller's address, as the throttle sees it. */
  remoteAddress?: string;
}

/** POSTs a form (or a raw body) to a token endpoint in process. */
export function postToken(
  keyless: TestKeyless,
  form: Record<string, string> | string,
  options: TokenPost = {},
): Promise<LightMyRequestResponse> {
  const tenant = options.tenant ?? keyless.env.tenantId;
  const path = options.version === 1 ? "oauth2/token" : "oauth2/v2.0/token";
  return keyless.server.https.inject({
    method: "POST",
    url: `/${tenant}/${path}`,
    headers: { "content-type": "application/x-www-form-urlencoded", ...options.headers },
    payload: typeof form === "string" ? form : new URLSearchParams(form).toString(),
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
  });
}

/** The dev application's client-credentials form, with overrides (`undefined` removes a field). */
export function secretForm(
  keyless: TestKeyless,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  return compact({
    grant_type: "client_credentials",
    client_id: keyless.env.servicePrincipal.appId,
    client_secret: keyless.env.servicePrincipal.secret,
    scope: COGNITIVE_DEFAULT,
    ...overrides,
  });
}

export function compact(form: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(form).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export interface ExpectedOAuthError {
  status: number;
  error: string;
  code: number;
  /** Text the description must contain after `AADSTS<code>: `. */
  text?: string | RegExp;
  /** The correlation id the client sent, which must come back. */
  correlationId?: string;
}

export interface OAuthErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri?: string;
}

/** Asserts Entra's error body: status, `error`, `error_codes`, the AADSTS text and the ids. */
export function assertOAuthError(
  response: LightMyRequestResponse,
  expected: ExpectedOAuthError,
): OAuthErrorBody {
  const body = response.json<OAuthErrorBody>();
  const context = `${response.statusCode} ${response.body}`;
  assert.equal(response.statusCode, expected.status, context);
  assert.match(String(response.headers["content-type"]), /^application\/json/);
  assert.equal(response.headers["cache-control"], "no-store");
  assert.equal(body.error, expected.error, context);
  assert.deepEqual(body.error_codes, [expected.code], context);
  assert.ok(
    body.error_description.startsWith(`AADSTS${expected.code}: `),
    `description starts with AADSTS${expected.code}: ${body.error_description}`,
  );
  if (typeof expected.text === "string") {
    assert.ok(
      body.error_description.includes(expected.text),
      `"${body.error_description}" should contain "${expected.text}"`,
    );
  } else if (expected.text) {
    assert.match(body.error_description, expected.text);
  }
  // Entra's shape: the ids and the timestamp (no milliseconds) are repeated in the description.
  assert.match(body.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  assert.match(body.trace_id, GUID);
  if (expected.correlationId) assert.equal(body.correlation_id, expected.correlationId);
  else assert.match(body.correlation_id, GUID);
  assert.ok(body.error_description.includes(`Trace ID: ${body.trace_id}`));
  assert.ok(body.error_description.includes(`Correlation ID: ${body.correlation_id}`));
  assert.ok(body.error_description.includes(`Timestamp: ${body.timestamp}`));
  assert.equal(body.error_uri, `https://login.microsoftonline.com/error?code=${expected.code}`);
  assert.equal("access_token" in body, false, "an error never carries a token");
  return body;
}

export interface TokenSuccess {
  token_type: string;
  access_token: string;
  expires_in: number | string;
  ext_expires_in: number | string;
  expires_on?: string;
  not_before?: string;
  resource?: string;
  [name: string]: unknown;
}

export function assertTokenIssued(response: LightMyRequestResponse): TokenSuccess {
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json<TokenSuccess>();
  assert.equal(body.token_type, "Bearer");
  assert.equal(typeof body.access_token, "string");
  assert.equal("error" in body, false);
  return body;
}

export const decodePart = (token: string, index: 0 | 1): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[index]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;

// --- client assertions -------------------------------------------------------------------

export interface CertificateMaterial {
  privateKey: KeyObject;
  certificate: X509Certificate;
}

/** The key and certificate of a PEM holding both, as `ClientCertificateCredential` reads it. */
export function readCertificatePem(path: string): CertificateMaterial {
  const pem = readFileSync(path, "utf8");
  const certificate = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
  assert.ok(certificate, `${path} holds a certificate`);
  return { privateKey: createPrivateKey(pem), certificate: new X509Certificate(certificate[0]) };
}

/** `x5t#S256` as msal-node sends it: base64url SHA-256 of the DER, no padding. */
export const x5tS256 = (certificate: X509Certificate): string =>
  createHash("sha256").update(certificate.raw).digest("base64url");

/** `x5t` as MSAL Python sends it: urlsafe base64 SHA-1 of the DER, WITH `=` padding. */
export const x5tSha1Padded = (certificate: X509Certificate): string =>
  createHash("sha1")
    .update(certificate.raw)
    .digest("base64")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");

const b64json = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString("base64url");

/** Signs a compact JWS by hand: RS256 (PKCS#1 v1.5) or PS256 (PSS, salt = digest length). */
export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  privateKey: KeyObject,
): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  const alg = header.alg;
  const signature =
    alg === "PS256"
      ? sign("sha256", Buffer.from(input), {
          key: privateKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 32,
        })
      : sign("sha256", Buffer.from(input), privateKey);
  return `${input}.${signature.toString("base64url")}`;
}

/** A JWS with an empty signature (`alg: none` and friends). */
export const unsignedJwt = (header: Record<string, unknown>, payload: Record<string, unknown>) =>
  `${b64json(header)}.${b64json(payload)}.`;

/** msal-node's assertion claims for `clientId` at `audience`, `iat` = `nowMs`. */
export function assertionClaims(
  clientId: string,
  audience: string,
  nowMs: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000);
  return {
    aud: audience,
    iss: clientId,
    sub: clientId,
    exp: iat + 600,
    nbf: iat,
    iat,
    jti: crypto.randomUUID(),
    ...overrides,
  };
}

/** The certificate application's client-assertion form. */
export function assertionForm(
  keyless: TestKeyless,
  assertion: string,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  return compact({
    grant_type: "client_credentials",
    client_id: keyless.env.certificateServicePrincipal.appId,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
    scope: COGNITIVE_DEFAULT,
    ...overrides,
  });
}
