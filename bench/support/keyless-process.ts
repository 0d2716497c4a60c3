import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startAnnounced } from "./announced-process.js";
import type { PinnedProcess, PinnedProcesses } from "./pinned-processes.js";

/** A `keyless start` child under benchmark, with the files its dev mode wrote. */
export interface KeylessProcess {
  process: PinnedProcess;
  /** As Keyless printed it (`https://localhost:PORT`). */
  httpsUrl: string;
  /** `<dataDir>/tls/ca.pem`, the CA Keyless generated in its own data folder. */
  ca: Buffer;
  caFile: string;
  /** `<dataDir>/tls/server.pem` (server certificate, then the CA) and `server-key.pem`. */
  serverTls: { certFile: string; keyFile: string };
  databaseFile: string;
  /** `<dataDir>/dev-environment.json`, parsed. */
  dev: BenchDevEnvironment;
}

/** The parts of `dev-environment.json` the benchmarks use. */
export interface BenchDevEnvironment {
  tenantId: string;
  servicePrincipal: { appId: string; objectId: string; secret: string };
  user: { userPrincipalName: string; password: string };
  publicClient: { appId: string };
  account: { name: string; resourceId: string };
}

export interface KeylessProcessOptions {
  repoRoot: string;
  dataDir: string;
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Extra KEYLESS_* settings. */
  settings?: Record<string, string>;
  /**
   * A command Node runs under (e.g. `valgrind` and its flags), with how long to wait for
   * Keyless to listen when it does (default 30 s).
   */
  wrapper?: { command: string[]; startTimeoutMs: number };
}

const LISTENING = /listening on (https:\/\/\S+) \(HTTPS\)/;

/**
 * `node dist/main.js start` pinned to `cpus`, in dev mode on free ports, as an operator runs it.
 * Only the settings given here reach it: a KEYLESS_* variable of the caller's shell must not.
 */
export async function startKeylessProcess(
  processes: PinnedProcesses,
  cpus: string,
  options: KeylessProcessOptions,
): Promise<KeylessProcess> {
  const { repoRoot, dataDir } = options;
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("KEYLESS_")),
    ),
    KEYLESS_DATA_DIR: dataDir,
    KEYLESS_LOG_LEVEL: "warn",
    KEYLESS_PRINT_ENVIRONMENT: "false",
    ...options.settings,
  };
  const node = [
    process.execPath,
    ...(options.nodeArgs ?? []),
    join(repoRoot, "dist", "main.js"),
    "start",
    "--https-port",
    "0",
    "--http-port",
    "0",
  ];
  const [command, ...args] = [...(options.wrapper?.command ?? []), ...node];
  const { process: keyless, announced } = await startAnnounced(
    processes,
    "keyless",
    cpus,
    command!,
    args,
    LISTENING,
    env,
    options.wrapper?.startTimeoutMs,
  );
  const tls = join(dataDir, "tls");
  return {
    process: keyless,
    httpsUrl: announced,
    ca: readFileSync(join(tls, "ca.pem")),
    caFile: join(tls, "ca.pem"),
    serverTls: { certFile: join(tls, "server.pem"), keyFile: join(tls, "server-key.pem") },
    databaseFile: join(dataDir, "keyless.db"),
    dev: JSON.parse(
      readFileSync(join(dataDir, "dev-environment.json"), "utf8"),
    ) as BenchDevEnvironment,
  };
}
