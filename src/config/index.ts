export { configSchema, type Config, type Mode } from "./schema.js";
export { loadConfig, ConfigError, type ConfigSources } from "./load-config.js";
