/**
 * Starts Keyless for tests: in this process (the test can reach its directory to set up
 * principals) or as a child process exactly as `keyless start` runs. Either way it serves
 * real HTTPS with a certificate from the test run's CA (see scripts/run-tests.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { loadConfig, type Config } from "../../src/config/index.js";
import { devEnvironment, type DevEnvironment } from "../../src/dev/index.js";
import type { ServerDeps } from "../../src/server.js";
import { startKeyless, type RunningKeyless } from "../../src/start.js";

const repoRoot = join(import.meta.dirname, "..", "..");

/** A fresh data folder holding the test run's CA, so the server certificate chains to it. */
export function testDataDir(): string {
  const caDir = process.env.KEYLESS_TEST_CA_DIR;
  if (!caDir) throw new Error("run tests with `npm test`: KEYLESS_TEST_CA_DIR is not set");
  const dataDir = mkdtempSync(join(tmpdir(), "keyless-test-"));
  mkdirSync(join(dataDir, "tls"));
  for (const file of ["ca.pem", "ca-key.pem"])
    copyFileSync(join(caDir, "tls", file), join(dataDir, "tls", file));
  return dataDir;
}

export interface TestKeyless extends RunningKeyless {
  dataDir: string;
  config: Config;
  /** The dev environment, as `dev-environment.json` describes it. */
  env: DevEnvironment;
  stop(): Promise<void>;
}

/** Keyless in this process, on free ports, with the dev environment seeded. */
export async function startTestKeyless(
  settings: Record<string, string> = {},
  deps: ServerDeps = {},
): Promise<TestKeyless> {
  const dataDir = testDataDir();
  const config = loadConfig({
    env: {
      KEYLESS_DATA_DIR: dataDir,
      KEYLESS_HTTPS_PORT: "0",
      KEYLESS_HTTP_PORT: "0",
      KEYLESS_LOG_LEVEL: "warn",
      KEYLESS_PRINT_ENVIRONMENT: "false",
      // Many tests fail authentication on purpose from one address; the throttle has its own test.
      KEYLESS_AUTH_FAILURE_LIMIT: "100000",
      ...settings,
    },
  });
  const running = await startKeyless(config, deps);
  return {
    ...running,
    dataDir,
    config,
    env: devEnvironment({
      httpsUrl: running.httpsUrl,
      httpUrl: running.httpUrl,
      caPath: join(dataDir, "tls", "ca.pem"),
      dataDir,
    }),
    async stop() {
      await running.server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface KeylessProcess {
  child: ChildProcess;
  dataDir: string;
  httpsUrl: string;
  httpUrl: string;
  stdout: () => string;
  /** SIGTERM, then the exit code (SIGKILL after 10 s); removes the data folder. */
  stop(): Promise<number | null>;
}

/** `node dist/main.js start` as a child process, on free ports. Needs `npm run build`. */
export async function spawnKeylessProcess(
  extraEnv: Record<string, string> = {},
  dataDir = testDataDir(),
): Promise<KeylessProcess> {
  const child = spawn(
    process.execPath,
    [join(repoRoot, "dist", "main.js"), "start", "--https-port", "0", "--http-port", "0"],
    {
      env: { ...process.env, KEYLESS_DATA_DIR: dataDir, KEYLESS_LOG_LEVEL: "warn", ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  let match: RegExpMatchArray | null = null;
  while (
    !(match = output.match(
      /listening on (https:\/\/\S+) \(HTTPS\) and (http:\/\/\S+) \(managed identity\)/,
    ))
  ) {
    if (child.exitCode !== null)
      throw new Error(`keyless exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`keyless did not start within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    dataDir,
    httpsUrl: match[1]!,
    httpUrl: match[2]!,
    stdout: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
      return child.exitCode;
    },
  };
}

/** A dev-mode child process, with the dev environment it wrote. */
export async function spawnKeyless(
  extraEnv: Record<string, string> = {},
  dataDir = testDataDir(),
): Promise<KeylessProcess & { env: DevEnvironment }> {
  const keyless = await spawnKeylessProcess(extraEnv, dataDir);
  try {
    const env = JSON.parse(
      readFileSync(join(dataDir, "dev-environment.json"), "utf8"),
    ) as DevEnvironment;
    return { ...keyless, env };
  } catch (error) {
    await keyless.stop();
    throw error;
  }
}
