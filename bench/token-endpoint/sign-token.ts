/**
 * What Keyless's token issuer does per token and nothing else, shared by the raw signing
 * baseline and the Node HTTPS floor so both sign the same payload: the claims of a token
 * Keyless issued with fresh `iat`/`nbf`/`exp` and random `aio`, `rh`, `uti` (as TokenIssuer
 * does), base64url header and payload, and `crypto.sign('sha256')` on libuv's thread pool.
 * It imports nothing from src/, so a change to the issuer cannot move the baselines with it.
 */
import { randomBytes, sign, type KeyObject } from "node:crypto";

export interface TokenTemplate {
  /** The claims of a token the endpoint issued: the shape and size to reproduce. */
  claims: Record<string, unknown>;
  kid: string;
}

const b64json = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString("base64url");
const opaque = (bytes: number) => randomBytes(bytes).toString("base64url");

/** Seconds from `iat` to `exp` of the template's token: the `expires_in` to answer. */
export function tokenLifetime(template: TokenTemplate): number {
  return Number(template.claims.exp) - Number(template.claims.iat);
}

function signRs256(signingInput: string, key: KeyObject): Promise<string> {
  return new Promise((resolve, reject) =>
    sign("sha256", Buffer.from(signingInput), key, (error, signature) =>
      error ? reject(error) : resolve(`${signingInput}.${signature.toString("base64url")}`),
    ),
  );
}

/** One compact RS256 JWT with the template's claims, fresh times and random identifiers. */
export function signToken(template: TokenTemplate, key: KeyObject): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    ...template.claims,
    iat: now,
    nbf: now,
    exp: now + tokenLifetime(template),
    aio: opaque(24),
    rh: `0.${opaque(32)}.`,
    uti: opaque(16),
  };
  const header = { typ: "JWT", alg: "RS256", x5t: template.kid, kid: template.kid };
  return signRs256(`${b64json(header)}.${b64json(claims)}`, key);
}
