import { sign as signCallback, verify, type KeyObject } from "node:crypto";

export type JwtHeader = {
  alg?: unknown;
  kid?: unknown;
  typ?: unknown;
  x5t?: unknown;
  "x5t#S256"?: unknown;
};
export type JwtPayload = Record<string, unknown>;

export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtPayload;
  signingInput: string;
  signature: Buffer;
}

const b64json = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString("base64url");

function parseJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a compact JWS without trusting anything in it. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = parseJson(headerPart);
  const payload = parseJson(payloadPart);
  if (!header || !payload) return undefined;
  return {
    header,
    payload,
    signingInput: `${headerPart}.${payloadPart}`,
    signature: Buffer.from(signaturePart, "base64url"),
  };
}

/** Signs with RS256 on libuv's thread pool, so signing does not hold up the event loop. */
export function signRs256(
  header: Record<string, unknown>,
  payload: JwtPayload,
  key: KeyObject,
): Promise<string> {
  const signingInput = `${b64json(header)}.${b64json(payload)}`;
  return new Promise((resolve, reject) =>
    signCallback("sha256", Buffer.from(signingInput), key, (error, signature) =>
      error ? reject(error) : resolve(`${signingInput}.${signature.toString("base64url")}`),
    ),
  );
}

const PSS = { padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: -2 /* RSA_PSS_SALTLEN_AUTO */ };

/** Checks a signature for the algorithms Keyless accepts; anything else is refused. */
export function verifySignature(
  jwt: DecodedJwt,
  key: KeyObject,
  allowed: readonly string[],
): boolean {
  const alg = jwt.header.alg;
  if (typeof alg !== "string" || !allowed.includes(alg)) return false;
  const data = Buffer.from(jwt.signingInput);
  try {
    switch (alg) {
      case "RS256":
        return verify("sha256", data, key, jwt.signature);
      case "PS256":
        return verify("sha256", data, { key, ...PSS }, jwt.signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}
