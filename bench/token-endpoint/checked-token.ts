import { verify, type KeyObject } from "node:crypto";
import { request } from "node:https";

interface HttpsResponse {
  status: number;
  body: string;
}

/** One request over a new connection that verifies the server's certificate against `ca`. */
export function httpsRequest(url: string, ca: Buffer, body?: string): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: body === undefined ? "GET" : "POST",
        ca,
        agent: false,
        headers: body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** How to ask a token service under test for a token, and what the token must hold. */
export interface TokenCheck {
  url: string;
  /** The CA the server's certificate must chain to. */
  ca: Buffer;
  /** The url-encoded form, the same wrk sends. */
  body: string;
  /** The key the token's signature must verify with, looked up by its header. */
  verificationKey: (header: Record<string, unknown>) => Promise<KeyObject>;
  expected: { aud: string; tid: string; appid: string };
}

export interface CheckedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  bytes: number;
  payloadBytes: number;
  /** The members of the JSON response, in order. */
  responseKeys: string[];
}

/**
 * Asks for one token over verified TLS, decodes it, checks its signature and its claims
 * against what was asked for.
 */
export async function fetchCheckedToken(check: TokenCheck): Promise<CheckedToken> {
  const response = await httpsRequest(check.url, check.ca, check.body);
  if (response.status !== 200)
    throw new Error(`token request failed: ${response.status} ${response.body}`);
  const answer = JSON.parse(response.body) as { access_token: string };
  const token = answer.access_token;
  const [headerPart, payloadPart, signaturePart] = token.split(".") as [string, string, string];
  const decode = (part: string) =>
    JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  const header = decode(headerPart);
  const claims = decode(payloadPart);
  const signed = verify(
    "sha256",
    Buffer.from(`${headerPart}.${payloadPart}`),
    await check.verificationKey(header),
    Buffer.from(signaturePart, "base64url"),
  );
  const expected = {
    alg: header.alg === "RS256",
    signature: signed,
    aud: claims.aud === check.expected.aud,
    tid: claims.tid === check.expected.tid,
    appid: claims.appid === check.expected.appid,
    exp: Number(claims.exp) > Date.now() / 1000,
  };
  const failed = Object.entries(expected).filter(([, passed]) => !passed);
  if (failed.length > 0)
    throw new Error(`token check failed (${failed.map(([name]) => name).join(", ")}): ${token}`);
  return {
    header,
    claims,
    bytes: token.length,
    payloadBytes: Buffer.from(payloadPart, "base64url").length,
    responseKeys: Object.keys(answer),
  };
}
