import { readFileSync } from "node:fs";
import { configSchema, type Config } from "./schema.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Key = keyof Config;
const keys = Object.keys(configSchema) as Key[];

export interface ConfigSources {
  /** JSON file whose keys are the schema's names (camelCase). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Raw values from command-line flags, by schema name. */
  flags?: Partial<Record<Key, string>>;
}

/** Resolves configuration with precedence defaults < file < environment < flags. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const config = Object.fromEntries(keys.map((key) => [key, configSchema[key].default])) as Record<
    Key,
    unknown
  >;
  if (sources.file) {
    for (const [key, value] of Object.entries(readConfigFile(sources.file))) {
      if (!(key in configSchema))
        throw new ConfigError(`${sources.file}: unknown setting "${key}"`);
      config[key as Key] = parseValue(
        key as Key,
        String(Array.isArray(value) ? value.join(",") : value),
        sources.file,
      );
    }
  }
  for (const key of keys) {
    const raw = sources.env?.[configSchema[key].env];
    if (raw !== undefined) config[key] = parseValue(key, raw, configSchema[key].env);
  }
  for (const [key, raw] of Object.entries(sources.flags ?? {})) {
    if (raw !== undefined) config[key as Key] = parseValue(key as Key, raw, `--${key}`);
  }
  return validate(config as Config);
}

function readConfigFile(path: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error("expected a JSON object");
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${path}: ${(error as Error).message}`);
  }
}

function parseValue(key: Key, raw: string, source: string): unknown {
  try {
    return configSchema[key].parse(raw);
  } catch (error) {
    throw new ConfigError(`${source}: ${(error as Error).message}`);
  }
}

function validate(config: Config): Config {
  if (config.tokenLifetimeMaxSeconds < config.tokenLifetimeMinSeconds) {
    throw new ConfigError(
      "KEYLESS_TOKEN_LIFETIME_MAX_SECONDS must not be below KEYLESS_TOKEN_LIFETIME_MIN_SECONDS",
    );
  }
  if (config.tokenLifetimeMinSeconds <= 600) {
    // msal-node renews tokens 5 minutes before expiry; shorter lifetimes make every call fetch a token.
    throw new ConfigError("KEYLESS_TOKEN_LIFETIME_MIN_SECONDS must be above 600");
  }
  if (
    config.publicUrl !== undefined &&
    !/^https:\/\/[^/]+$/.test(config.publicUrl.replace(/\/$/, ""))
  ) {
    throw new ConfigError("KEYLESS_PUBLIC_URL must be https://host[:port] without a path");
  }
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new ConfigError("KEYLESS_DATABASE_URL must be a postgres:// URL");
  }
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    throw new ConfigError("KEYLESS_TLS_CERT_FILE and KEYLESS_TLS_KEY_FILE must be set together");
  }
  return { ...config, publicUrl: config.publicUrl?.replace(/\/$/, "") };
}
