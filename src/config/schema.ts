/**
 * The one configuration schema: each entry is its default, its environment variable, its
 * parser (the validation) and its documentation. `docs/configuration.md` is generated from it.
 */

export type Mode = "dev" | "production";

interface Setting<T> {
  env: string;
  default: T;
  description: string;
  parse: (raw: string) => T;
}

const text = (raw: string) => raw;
const optionalText = (raw: string) => (raw === "" ? undefined : raw);

function port(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`expected a port number 0-65535, got "${raw}"`);
  }
  return value;
}

function positiveInteger(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`expected a positive integer, got "${raw}"`);
  return value;
}

function nonNegativeNumber(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < 0)
    throw new Error(`expected a number ≥ 0, got "${raw}"`);
  return value;
}

function domain(raw: string): string | undefined {
  if (raw === "") return undefined;
  const name = raw.toLowerCase().replace(/^\.+/, "");
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(name))
    throw new Error(`expected a DNS domain such as ai.example.com, got "${raw}"`);
  return name;
}

function list(raw: string): string[] {
  return raw
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function mode(raw: string): Mode {
  if (raw !== "dev" && raw !== "production")
    throw new Error(`expected "dev" or "production", got "${raw}"`);
  return raw;
}

function bool(raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`expected true or false, got "${raw}"`);
}

function logLevel(raw: string): string {
  const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
  if (!levels.includes(raw)) throw new Error(`expected one of ${levels.join(", ")}, got "${raw}"`);
  return raw;
}

const setting = <T>(s: Setting<T>): Setting<T> => s;

export const configSchema = {
  mode: setting({
    env: "KEYLESS_MODE",
    default: "dev" as Mode,
    description:
      "`dev` seeds the well-known dev environment on first start; `production` seeds nothing and refuses well-known dev secrets.",
    parse: mode,
  }),
  dataDir: setting({
    env: "KEYLESS_DATA_DIR",
    default: ".keyless",
    description:
      "Folder for the SQLite file, the generated CA and server certificate, the encryption key for secrets at rest and `dev-environment.json`.",
    parse: text,
  }),
  databaseUrl: setting({
    env: "KEYLESS_DATABASE_URL",
    default: undefined as string | undefined,
    description:
      "`postgres://…` to share state between replicas. Unset: a SQLite file `keyless.db` in the data folder.",
    parse: optionalText,
  }),
  httpsHost: setting({
    env: "KEYLESS_HTTPS_HOST",
    default: "localhost",
    description:
      "Address the HTTPS listener (every surface) binds to. `localhost` binds both 127.0.0.1 and ::1.",
    parse: text,
  }),
  httpsPort: setting({
    env: "KEYLESS_HTTPS_PORT",
    default: 8443,
    description: "Port of the HTTPS listener; 0 picks a free port (the actual URL is printed).",
    parse: port,
  }),
  httpHost: setting({
    env: "KEYLESS_HTTP_HOST",
    default: "127.0.0.1",
    description:
      "Address the plain-HTTP managed-identity listener binds to. Anyone who reaches it can obtain managed-identity tokens, as on an Azure VM: keep it on loopback or a private interface.",
    parse: text,
  }),
  httpPort: setting({
    env: "KEYLESS_HTTP_PORT",
    default: 8080,
    description:
      "Port of the managed-identity listener (IMDS and App Service protocols); 0 picks a free port.",
    parse: port,
  }),
  hostNames: setting({
    env: "KEYLESS_HOST_NAMES",
    default: [] as string[],
    description:
      "Comma-separated extra host names for the generated server certificate and for the issuers Keyless recognises as its own.",
    parse: list,
  }),
  publicUrl: setting({
    env: "KEYLESS_PUBLIC_URL",
    default: undefined as string | undefined,
    description:
      "Canonical `https://host[:port]` clients use. Unset: issuers and discovery endpoints follow the scheme and host of each request.",
    parse: optionalText,
  }),
  baseDomain: setting({
    env: "KEYLESS_BASE_DOMAIN",
    default: undefined as string | undefined,
    description:
      "Domain under which `{account}.{domain}` host names address accounts' data planes (with wildcard DNS and certificate). Unset: accounts are addressed by the path prefix `/accounts/{account}/` only.",
    parse: domain,
  }),
  tlsCertFile: setting({
    env: "KEYLESS_TLS_CERT_FILE",
    default: undefined as string | undefined,
    description: "PEM server certificate (chain) to serve instead of the generated one.",
    parse: optionalText,
  }),
  tlsKeyFile: setting({
    env: "KEYLESS_TLS_KEY_FILE",
    default: undefined as string | undefined,
    description: "PEM private key for `KEYLESS_TLS_CERT_FILE`.",
    parse: optionalText,
  }),
  masterKey: setting({
    env: "KEYLESS_MASTER_KEY",
    default: undefined as string | undefined,
    description:
      "Base64 of 32 bytes that encrypt secrets at rest (signing keys). Unset: generated once into `<data folder>/master.key`. Replicas sharing a database must share it.",
    parse: optionalText,
  }),
  tokenLifetimeMinSeconds: setting({
    env: "KEYLESS_TOKEN_LIFETIME_MIN_SECONDS",
    default: 3600,
    description:
      "Shortest access-token lifetime. Each token gets a random lifetime between min and max, like Entra's 60–90 minutes.",
    parse: positiveInteger,
  }),
  tokenLifetimeMaxSeconds: setting({
    env: "KEYLESS_TOKEN_LIFETIME_MAX_SECONDS",
    default: 5400,
    description: "Longest access-token lifetime.",
    parse: positiveInteger,
  }),
  clockSkewSeconds: setting({
    env: "KEYLESS_CLOCK_SKEW_SECONDS",
    default: 60,
    description: "Tolerance for `exp`/`nbf` when verifying tokens and client assertions.",
    parse: positiveInteger,
  }),
  signingKeyRotationDays: setting({
    env: "KEYLESS_SIGNING_KEY_ROTATION_DAYS",
    default: 30,
    description:
      "Age after which a new token-signing key is created and becomes current; the old key stays in JWKS until every token it signed has expired.",
    parse: positiveInteger,
  }),
  identityHeader: setting({
    env: "KEYLESS_IDENTITY_HEADER",
    default: undefined as string | undefined,
    description:
      "Value the App Service managed-identity endpoint requires in `X-IDENTITY-HEADER`. Dev mode uses a well-known value; production requires this to be set or the App Service endpoint stays closed.",
    parse: optionalText,
  }),
  defaultManagedIdentity: setting({
    env: "KEYLESS_DEFAULT_MANAGED_IDENTITY",
    default: undefined as string | undefined,
    description:
      "Client id of the managed identity served when a managed-identity request names none. Dev mode: the dev user-assigned identity.",
    parse: optionalText,
  }),
  authFailureLimit: setting({
    env: "KEYLESS_AUTH_FAILURE_LIMIT",
    default: 10,
    description:
      "Failed client or password authentications allowed per client id, and per client address, in each window before requests are refused with 429.",
    parse: positiveInteger,
  }),
  authFailureWindowSeconds: setting({
    env: "KEYLESS_AUTH_FAILURE_WINDOW_SECONDS",
    default: 300,
    description: "Length of the failed-authentication window.",
    parse: positiveInteger,
  }),
  simulatedLatencyMsPerToken: setting({
    env: "KEYLESS_SIMULATED_LATENCY_MS_PER_TOKEN",
    default: 0,
    description:
      "Delay the simulated upstream adds per generated token (a deployment's `properties.upstream.latencyMsPerToken` overrides it).",
    parse: nonNegativeNumber,
  }),
  upstreamTimeoutSeconds: setting({
    env: "KEYLESS_UPSTREAM_TIMEOUT_SECONDS",
    default: 300,
    description:
      "How long an upstream may take to answer (headers), and may stay silent mid-stream, before the caller gets 504 or an error event.",
    parse: positiveInteger,
  }),
  upstreamTenantId: setting({
    env: "KEYLESS_UPSTREAM_TENANT_ID",
    default: undefined as string | undefined,
    description:
      "With `KEYLESS_UPSTREAM_CLIENT_ID` and `KEYLESS_UPSTREAM_CLIENT_SECRET`: the service principal Keyless signs in as to call `azure-openai` upstreams. Unset: `DefaultAzureCredential` (a managed identity in Azure).",
    parse: optionalText,
  }),
  upstreamClientId: setting({
    env: "KEYLESS_UPSTREAM_CLIENT_ID",
    default: undefined as string | undefined,
    description: "Client id of Keyless's own service principal for `azure-openai` upstreams.",
    parse: optionalText,
  }),
  upstreamClientSecret: setting({
    env: "KEYLESS_UPSTREAM_CLIENT_SECRET",
    default: undefined as string | undefined,
    description: "Client secret of Keyless's own service principal for `azure-openai` upstreams.",
    parse: optionalText,
  }),
  upstreamAuthorityHost: setting({
    env: "KEYLESS_UPSTREAM_AUTHORITY_HOST",
    default: undefined as string | undefined,
    description:
      "Token authority for Keyless's own service principal (`https://login.microsoftonline.com` unless set; another Keyless's URL when chaining gateways).",
    parse: optionalText,
  }),
  auditFlushIntervalMs: setting({
    env: "KEYLESS_AUDIT_FLUSH_INTERVAL_MS",
    default: 25,
    description:
      "How often queued audit entries are written (at once when 500 are waiting). Shutting down writes whatever is still queued.",
    parse: positiveInteger,
  }),
  logLevel: setting({
    env: "KEYLESS_LOG_LEVEL",
    default: "info",
    description: "pino log level: fatal, error, warn, info, debug, trace or silent.",
    parse: logLevel,
  }),
  printEnvironment: setting({
    env: "KEYLESS_PRINT_ENVIRONMENT",
    default: true,
    description:
      "Print the dev environment (ids, endpoints, secrets, snippets) at start in dev mode.",
    parse: bool,
  }),
};

export type ConfigSchema = typeof configSchema;
export type Config = { [K in keyof ConfigSchema]: ConfigSchema[K]["default"] };
