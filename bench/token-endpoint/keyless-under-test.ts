import { createPublicKey, verify, type JsonWebKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import type { PinnedProcess, PinnedProcesses } from "../support/pinned-processes.js";

export interface KeylessUnderTest {
  process: PinnedProcess;
  httpsUrl: string;
  /** `<dataDir>/tls/ca.pem`: the CA Keyless generated in its own data folder. */
  ca: Buffer;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

const LISTENING = /listening on (https:\/\/\S+) \(HTTPS\) and (http:\/\/\S+) \(managed identity\)/;

/** `node dist/main.js start` pinned to `cpus`, in dev mode on free ports, as an operator runs it. */
export async function startKeyless(
  processes: PinnedProcesses,
  cpus: string,
  repoRoot: string,
  dataDir: string,
  nodeArgs: string[] = [],
): Promise<KeylessUnderTest> {
  const env = {
    ...withoutKeylessVariables(process.env),
    KEYLESS_DATA_DIR: dataDir,
    KEYLESS_LOG_LEVEL: "warn",
    KEYLESS_PRINT_ENVIRONMENT: "false",
    // Every request authenticates from one address; a failed one must not throttle the rest.
    KEYLESS_AUTH_FAILURE_LIMIT: "1000000000",
  };
  const args = [...nodeArgs, join(repoRoot, "dist", "main.js"), "start"];
  const keyless = processes.start(
    "keyless",
    cpus,
    process.execPath,
    [...args, "--https-port", "0", "--http-port", "0"],
    env,
  );
  const deadline = Date.now() + 30_000;
  let match: RegExpMatchArray | null;
  while (!(match = keyless.output().match(LISTENING))) {
    if (keyless.child.exitCode !== null)
      throw new Error(`keyless exited with ${keyless.child.exitCode}:\n${keyless.output()}`);
    if (Date.now() > deadline)
      throw new Error(`keyless did not start in 30 s:\n${keyless.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const dev = JSON.parse(readFileSync(join(dataDir, "dev-environment.json"), "utf8")) as {
    tenantId: string;
    servicePrincipal: { appId: string; secret: string };
  };
  return {
    process: keyless,
    httpsUrl: match[1]!,
    ca: readFileSync(join(dataDir, "tls", "ca.pem")),
    tenantId: dev.tenantId,
    clientId: dev.servicePrincipal.appId,
    clientSecret: dev.servicePrincipal.secret,
  };
}

/** Only what the benchmark sets: a KEYLESS_* variable from the caller's shell must not leak in. */
function withoutKeylessVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("KEYLESS_")));
}

export function tokenUrl(keyless: KeylessUnderTest): string {
  return `${keyless.httpsUrl}/${keyless.tenantId}/oauth2/v2.0/token`;
}

export function tokenRequestBody(keyless: KeylessUnderTest, scope: string): string {
  return new URLSearchParams({
    grant_type: "client_credentials",
    client_id: keyless.clientId,
    client_secret: keyless.clientSecret,
    scope,
  }).toString();
}

interface HttpsResponse {
  status: number;
  body: string;
}

/** One request over a new connection that verifies Keyless's certificate against its CA. */
function httpsRequest(url: string, ca: Buffer, body?: string): Promise<HttpsResponse> {
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

export interface CheckedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  bytes: number;
  payloadBytes: number;
}

/**
 * Asks for one token over verified TLS, decodes it, checks its signature against the
 * tenant's JWKS and its claims against what was asked for.
 */
export async function fetchCheckedToken(
  keyless: KeylessUnderTest,
  scope: string,
): Promise<CheckedToken> {
  const response = await httpsRequest(
    tokenUrl(keyless),
    keyless.ca,
    tokenRequestBody(keyless, scope),
  );
  if (response.status !== 200)
    throw new Error(`token request failed: ${response.status} ${response.body}`);
  const token = (JSON.parse(response.body) as { access_token: string }).access_token;
  const [headerPart, payloadPart, signaturePart] = token.split(".") as [string, string, string];
  const decode = (part: string) =>
    JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  const header = decode(headerPart);
  const claims = decode(payloadPart);

  const jwks = await httpsRequest(
    `${keyless.httpsUrl}/${keyless.tenantId}/discovery/v2.0/keys`,
    keyless.ca,
  );
  const keys = (JSON.parse(jwks.body) as { keys: (JsonWebKey & { kid: string })[] }).keys;
  const jwk = keys.find((key) => key.kid === header.kid);
  if (!jwk) throw new Error(`no JWKS key for kid ${String(header.kid)}`);
  const signed = verify(
    "sha256",
    Buffer.from(`${headerPart}.${payloadPart}`),
    createPublicKey({ key: jwk, format: "jwk" }),
    Buffer.from(signaturePart, "base64url"),
  );
  const expected = {
    alg: header.alg === "RS256",
    signature: signed,
    aud: claims.aud === scope.replace(/\/\.default$/, ""),
    tid: claims.tid === keyless.tenantId,
    appid: claims.appid === keyless.clientId,
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
  };
}
