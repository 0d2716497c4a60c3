import { createPublicKey, type JsonWebKey } from "node:crypto";
import { startKeylessProcess } from "../support/keyless-process.js";
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

/** `node dist/main.js start` pinned to `cpus`, in dev mode on free ports, as an operator runs it. */
export async function startKeyless(
  processes: PinnedProcesses,
  cpus: string,
  repoRoot: string,
  dataDir: string,
  nodeArgs: string[] = [],
): Promise<KeylessUnderTest> {
  const keyless = await startKeylessProcess(processes, cpus, {
    repoRoot,
    dataDir,
    nodeArgs,
    // Every request authenticates from one address; a failed one must not throttle the rest.
    settings: { KEYLESS_AUTH_FAILURE_LIMIT: "1000000000" },
  });
  return {
    process: keyless.process,
    httpsUrl: keyless.httpsUrl,
    ca: keyless.ca,
    serverTls: keyless.serverTls,
    tenantId: keyless.dev.tenantId,
    clientId: keyless.dev.servicePrincipal.appId,
    clientSecret: keyless.dev.servicePrincipal.secret,
  };
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
