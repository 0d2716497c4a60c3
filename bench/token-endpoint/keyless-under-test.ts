import { createPublicKey, type JsonWebKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PinnedProcess, PinnedProcesses } from "../support/pinned-processes.js";
import { httpsRequest, type TokenCheck } from "./checked-token.js";

export interface KeylessUnderTest {
  process: PinnedProcess;
  httpsUrl: string;
  /** `<dataDir>/tls/ca.pem`: the CA Keyless generated in its own data folder. */
  ca: Buffer;
  /** `<dataDir>/tls/server.pem` (server certificate, then the CA) and `server-key.pem`. */
  serverTls: { certFile: string; keyFile: string };
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
    serverTls: {
      certFile: join(dataDir, "tls", "server.pem"),
      keyFile: join(dataDir, "tls", "server-key.pem"),
    },
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

/** How to fetch and check one token from Keyless: its signature against the tenant's JWKS. */
export function keylessTokenCheck(keyless: KeylessUnderTest, scope: string): TokenCheck {
  return {
    url: tokenUrl(keyless),
    ca: keyless.ca,
    body: tokenRequestBody(keyless, scope),
    verificationKey: async (header) => {
      const jwks = await httpsRequest(
        `${keyless.httpsUrl}/${keyless.tenantId}/discovery/v2.0/keys`,
        keyless.ca,
      );
      const keys = (JSON.parse(jwks.body) as { keys: (JsonWebKey & { kid: string })[] }).keys;
      const jwk = keys.find((key) => key.kid === header.kid);
      if (!jwk) throw new Error(`no JWKS key for kid ${String(header.kid)}`);
      return createPublicKey({ key: jwk, format: "jwk" });
    },
    expected: {
      aud: scope.replace(/\/\.default$/, ""),
      tid: keyless.tenantId,
      appid: keyless.clientId,
    },
  };
}
