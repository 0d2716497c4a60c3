#!/usr/bin/env node
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { loadConfig, type Config } from "./config/index.js";
import { devEnvironment, type DevEnvironment } from "./dev/index.js";
import type { KeylessServer } from "./server.js";
import { startKeyless } from "./start.js";

const ENVIRONMENT_FILE = "dev-environment.json";

/** Listens on both listeners, prints where, and drains on SIGINT/SIGTERM. */
async function start(config: Config): Promise<void> {
  mkdirSync(config.dataDir, { recursive: true });
  const { server, httpsUrl, httpUrl } = await startKeyless(config);
  const caPath = server.caPath ? resolve(server.caPath) : undefined;
  const lines = [`Keyless is listening on ${httpsUrl} (HTTPS) and ${httpUrl} (managed identity)`];
  if (caPath) lines.push(`Trust its CA: export NODE_EXTRA_CA_CERTS=${caPath}`);
  if (config.mode === "dev") {
    const environment = devEnvironment({
      httpsUrl,
      httpUrl,
      caPath: caPath ?? "",
      dataDir: resolve(config.dataDir),
    });
    writeFileSync(
      join(config.dataDir, ENVIRONMENT_FILE),
      JSON.stringify(environment, null, 2) + "\n",
      { mode: 0o600 },
    );
    lines.push(`Dev environment written to ${resolve(config.dataDir, ENVIRONMENT_FILE)}`);
    if (config.printEnvironment) lines.push(describe(environment));
  }
  process.stdout.write(lines.join("\n") + "\n");
  drainOnSignals(server);
}

function describe(environment: DevEnvironment): string {
  return [
    "",
    `Tenant           ${environment.tenantId} (${environment.tenantDomain})`,
    `Subscription     ${environment.subscriptionId}, resource group ${environment.resourceGroup}`,
    `Service principal ${environment.servicePrincipal.appId}  secret ${environment.servicePrincipal.secret}`,
    `Certificate app  ${environment.certificateServicePrincipal.appId}  ${environment.certificateServicePrincipal.certificatePath}`,
    `Managed identity ${environment.managedIdentity.clientId} (${environment.managedIdentity.name})`,
    `Dev user         ${environment.user.userPrincipalName}  password ${environment.user.password}`,
    `Public client    ${environment.publicClient.appId}`,
    `AI account       ${environment.account.endpoint}  deployments ${environment.account.deployments.map((d) => d.name).join(", ")}`,
    "",
    "Managed identity for DefaultAzureCredential, unchanged code:",
    environment.snippets.managedIdentityShell,
    "",
    environment.snippets.defaultAzureCredential,
    "",
    environment.snippets.clientSecretCredential,
    "",
    "Chat with the unchanged openai client:",
    environment.snippets.azureOpenAI,
    "",
  ].join("\n");
}

function drainOnSignals(server: KeylessServer): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.logger.info({ signal }, "shutting down");
    server
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        server.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      });
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

function printEnvironment(config: Config): void {
  try {
    process.stdout.write(readFileSync(join(config.dataDir, ENVIRONMENT_FILE), "utf8"));
  } catch {
    process.stderr.write(
      `No dev environment in ${resolve(config.dataDir)}: run \`keyless start\` first.\n`,
    );
    process.exitCode = 1;
  }
}

const program = new Command("keyless").description(
  "Key-less, identity-based AI model inference gateway",
);
program.option(
  "-c, --config <file>",
  "JSON configuration file (overridden by KEYLESS_* variables and flags)",
);
program.option("--data-dir <dir>", "data folder");

const configFrom = (flags: Record<string, string | undefined>): Config => {
  const global = program.opts<{ config?: string; dataDir?: string }>();
  return loadConfig({
    file: global.config ?? process.env.KEYLESS_CONFIG,
    env: process.env,
    flags: { dataDir: global.dataDir, ...flags },
  });
};

program
  .command("start")
  .description("start Keyless (dev mode seeds the well-known dev environment)")
  .option("--https-port <port>", "HTTPS port (0 picks a free one)")
  .option("--http-port <port>", "managed-identity HTTP port (0 picks a free one)")
  .option("--mode <mode>", "dev or production")
  .action(async (options: { httpsPort?: string; httpPort?: string; mode?: string }) => {
    await start(
      configFrom({ httpsPort: options.httpsPort, httpPort: options.httpPort, mode: options.mode }),
    );
  });

program
  .command("env")
  .description("print the dev environment (ids, endpoints, dev secrets, snippets) as JSON")
  .action(() => printEnvironment(configFrom({})));

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`keyless: ${(error as Error).message}\n`);
  process.exit(1);
});
