import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { PinnedProcess, PinnedProcesses } from "../support/pinned-processes.js";
import { startTsChild } from "../support/announced-process.js";
import type { BareProxyInput, BareProxyListening } from "./bare-proxy.js";
import type { Target } from "./checked-reply.js";
import type { Contestant } from "./figures.js";
import {
  CHAT_PATH,
  setUpDeployment,
  startKeyless,
  type KeylessGateway,
} from "./keyless-gateway.js";
import { childPids, startNginx } from "./nginx-proxy.js";
import type { UpstreamInput, UpstreamListening } from "./openai-upstream.js";
import { allowedCpus } from "./server-cpu.js";

/** A contestant under load: its address and credential, and the processes it runs in. */
export interface Contender extends Target {
  /** The processes whose CPU time is the contestant's (none for direct). */
  pids: number[];
  /** `Cpus_allowed_list` of its processes (the upstream's for direct). */
  cpus: string;
}

export interface Running {
  upstream: PinnedProcess;
  keyless: KeylessGateway;
  /** In the order they started. */
  servers: PinnedProcess[];
  contenders: Record<Contestant, Contender>;
  versions: { nginx: string };
}

export interface StartOptions {
  /** A fresh folder for Keyless's data and nginx's configuration; removed by the caller. */
  workDir: string;
  repoRoot: string;
  /** The server CPUs, for every process started here. */
  cpus: string;
  chunkIntervalMs: number;
  /** Connections of the throughput runs: nginx keeps as many idle upstream connections. */
  connections: number;
  keylessNodeArgs: string[];
  /** The nginx executable. */
  nginx: string;
  log: (line: string) => void;
}

/**
 * Starts everything under test, pinned to the server CPUs, each on 127.0.0.1: the upstream,
 * Keyless with the deployment `bench` set up through its APIs, the Node proxy and nginx (both
 * with Keyless's certificate). Processes started before a failure are left to the caller's
 * `PinnedProcesses`, which stops them.
 */
export async function startContestants(
  processes: PinnedProcesses,
  options: StartOptions,
): Promise<Running> {
  const { cpus, log, workDir } = options;
  const servers: PinnedProcess[] = [];
  const upstream = await startTsChild<UpstreamListening>(
    processes,
    "upstream",
    cpus,
    new URL("./openai-upstream.ts", import.meta.url),
    { chunkIntervalMs: options.chunkIntervalMs } satisfies UpstreamInput,
    "UPSTREAM",
  );
  servers.push(upstream.process);
  log(`upstream pid ${upstream.process.pid}, ${upstream.listening.baseUrl}`);

  const dataDir = join(workDir, "keyless");
  mkdirSync(dataDir);
  const keyless = await startKeyless(
    processes,
    cpus,
    options.repoRoot,
    dataDir,
    options.keylessNodeArgs,
  );
  servers.push(keyless.process);
  log(`Keyless pid ${keyless.process.pid}, ${keyless.httpsUrl}`);
  const credentials = await setUpDeployment(keyless, upstream.listening.baseUrl);

  const proxy = await startTsChild<BareProxyListening>(
    processes,
    "node-proxy",
    cpus,
    new URL("./bare-proxy.ts", import.meta.url),
    { upstreamBaseUrl: upstream.listening.baseUrl, ...keyless.serverTls } satisfies BareProxyInput,
    "PROXY",
  );
  servers.push(proxy.process);
  log(`Node proxy pid ${proxy.process.pid}, ${proxy.listening.httpsUrl}`);

  const nginx = await startNginx(processes, cpus, {
    binary: options.nginx,
    dir: join(workDir, "nginx"),
    upstreamPort: upstream.listening.port,
    ...keyless.serverTls,
    upstreamConnections: options.connections,
  });
  servers.push(nginx.process);
  const nginxPids = [nginx.process.pid, ...childPids(nginx.process.pid)];
  log(`nginx pids ${nginxPids.join(", ")}, ${nginx.httpsUrl}`);

  const keylessTarget = { url: `${keyless.httpsUrl}${CHAT_PATH}`, pids: [keyless.process.pid] };
  const pinned = (pids: number[]) => pids.map(allowedCpus).join(", ");
  return {
    upstream: upstream.process,
    keyless,
    servers,
    contenders: {
      direct: {
        url: `${upstream.listening.baseUrl}/chat/completions`,
        pids: [],
        cpus: pinned([upstream.process.pid]),
      },
      node: {
        url: `${proxy.listening.httpsUrl}${CHAT_PATH}`,
        pids: [proxy.process.pid],
        cpus: pinned([proxy.process.pid]),
      },
      nginx: { url: `${nginx.httpsUrl}${CHAT_PATH}`, pids: nginxPids, cpus: pinned(nginxPids) },
      keylessKey: {
        ...keylessTarget,
        credential: { name: "api-key", value: credentials.apiKey },
        cpus: pinned(keylessTarget.pids),
      },
      keylessToken: {
        ...keylessTarget,
        credential: { name: "Authorization", value: `Bearer ${credentials.token}` },
        cpus: pinned(keylessTarget.pids),
      },
    },
    versions: { nginx: nginx.version },
  };
}
