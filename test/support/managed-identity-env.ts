/**
 * Points @azure/identity's managed-identity lookup at a Keyless listener through the
 * process environment, as a hosting platform would. msal-node picks the source from these
 * variables once per process (ManagedIdentityClient.identitySource is static) and keeps MI
 * tokens in a process-wide cache, so call this before creating the first managed-identity
 * credential (or DefaultAzureCredential) and use one source per test file.
 */
import assert from "node:assert/strict";

/** Variables that select another managed-identity source (Service Fabric, Arc, ML, Cloud Shell). */
const OTHER_SOURCES = ["IDENTITY_SERVER_THUMBPRINT", "IMDS_ENDPOINT", "MSI_ENDPOINT", "MSI_SECRET"];

/**
 * Everything else identity or msal-node reads (clients.md §1.2). AZURE_POD_IDENTITY_AUTHORITY_HOST
 * is left alone: scripts/run-tests.ts aims it at a closed loopback port so a lookup that falls
 * through to IMDS can never reach 169.254.169.254.
 */
const CREDENTIAL_VARIABLES = [
  "AZURE_ADDITIONALLY_ALLOWED_TENANTS",
  "AZURE_AUTHORITY_HOST",
  "AZURE_CLIENT_CERTIFICATE_PASSWORD",
  "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
  "AZURE_FEDERATED_TOKEN_FILE",
  "AZURE_IDENTITY_DISABLE_MULTITENANTAUTH",
  "AZURE_PASSWORD",
  "AZURE_REGIONAL_AUTHORITY_NAME",
  "AZURE_TENANT_ID",
  "AZURE_TOKEN_CREDENTIALS",
  "AZURE_USERNAME",
  "MSAL_FORCE_REGION",
];

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function assertLoopback(url: string): void {
  assert.ok(LOOPBACK.has(new URL(url).hostname), `${url} is not a loopback URL`);
}

function clear(names: string[]): void {
  for (const name of names) delete process.env[name];
}

/** The App Service pair, IDENTITY_ENDPOINT + IDENTITY_HEADER, and nothing that competes with it. */
export function useAppServiceManagedIdentity(endpoint: string, header: string): void {
  assertLoopback(endpoint);
  clear([...OTHER_SOURCES, ...CREDENTIAL_VARIABLES]);
  const guard = process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST;
  if (guard !== undefined) assertLoopback(guard);
  process.env.IDENTITY_ENDPOINT = endpoint;
  process.env.IDENTITY_HEADER = header;
}

/** IMDS at `host` (AZURE_POD_IDENTITY_AUTHORITY_HOST) instead of 169.254.169.254. */
export function useImdsManagedIdentity(host: string): void {
  assertLoopback(host);
  clear([...OTHER_SOURCES, ...CREDENTIAL_VARIABLES, "IDENTITY_ENDPOINT", "IDENTITY_HEADER"]);
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = host;
}
