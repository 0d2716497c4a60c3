/**
 * `npm run bench:gateway-instructions`: instructions per forwarded chat completion, counted by
 * valgrind's callgrind, for Keyless with a bearer token, RBAC and audit (E) and the bare Node
 * proxy (B), in one run. On a shared virtual machine one run's seconds are good to about ±10%;
 * instruction counts repeat to within a few percent or better, so they show changes that wrk
 * cannot. They leave out the kernel, cache misses and waiting: they complement
 * `bench:gateway`, they do not replace it.
 *
 * Steps: build dist/ → the upstream, natively → Keyless natively, to set the deployment up
 * through its APIs, then stopped → Keyless again on the same data folder under callgrind with
 * instrumentation off, and a data-plane token from it → warm-up calls → instrumentation on →
 * the measured calls → a dump per thread → stopped by its PID → the bare proxy the same way →
 * the table, and bench/RESULTS.md.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { startAnnounced, startTsChild } from "../support/announced-process.js";
import { describeMachine } from "../support/machine.js";
import { buildDist, requireTools } from "../support/prerequisites.js";
import { runBenchmark, type PinnedProcesses } from "../support/pinned-processes.js";
import { writeResultsSection } from "../support/results-file.js";
import type { BareProxyInput } from "./bare-proxy.js";
import { CHAT_REQUEST } from "./chat-completion.js";
import { CHAT_PATH, dataPlaneToken, setUpDeployment, startKeyless } from "./keyless-gateway.js";
import type { UpstreamInput, UpstreamListening } from "./openai-upstream.js";
import { TrustedClient } from "./trusted-client.js";

const repoRoot = join(import.meta.dirname, "..", "..");
const { values: flags } = parseArgs({
  options: {
    warmup: { type: "string", default: "5000" },
    requests: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "4" },
    "no-build": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
  },
});
const settings = {
  warmup: Number(flags.warmup),
  requests: Number(flags.requests),
  concurrency: Number(flags.concurrency),
};
const log = (line: string) => process.stdout.write(line + "\n");
const BODY = JSON.stringify(CHAT_REQUEST);
/** Slow under valgrind: the first calls compile everything. */
const START_TIMEOUT_MS = 300_000;
/** The proxy's wait for SIGTERM to end it under valgrind. */
const STOP_GRACE_MS = 60_000;

/** Instructions per call, by thread: `01` is the one that runs JavaScript's event loop. */
interface Counted {
  requestThread: number;
  otherThreads: number;
  /** The busiest thread other than the request thread (Keyless's audit writer). */
  busiestOther: number;
}

/** valgrind's flags: callgrind, instrumentation off until switched on, a dump per thread. */
function callgrindFlags(outDir: string): string[] {
  return [
    "--tool=callgrind",
    // V8 writes the machine code it runs: valgrind must notice code that changes.
    "--smc-check=all-non-file",
    "--instr-atstart=no",
    "--separate-threads=yes",
    `--callgrind-out-file=${join(outDir, "callgrind.%p")}`,
  ];
}

/** `concurrency` callers, `count` calls in all, each answered 200. */
async function call(
  origin: string,
  ca: Buffer,
  headers: Record<string, string>,
  count: number,
): Promise<void> {
  const pool = new Pool(origin, { connect: { ca }, connections: settings.concurrency });
  let sent = 0;
  try {
    await Promise.all(
      Array.from({ length: settings.concurrency }, async () => {
        while (sent < count) {
          sent++;
          const reply = await pool.request({
            path: CHAT_PATH,
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body: BODY,
          });
          const text = await reply.body.text();
          if (reply.statusCode !== 200) throw new Error(`${reply.statusCode}: ${text}`);
        }
      }),
    );
  } finally {
    await pool.close();
  }
}

/** Warms up, counts `requests` calls with instrumentation on, and reads the dumps back. */
async function count(
  pid: number,
  origin: string,
  ca: Buffer,
  headers: Record<string, string>,
  outDir: string,
): Promise<Counted> {
  await call(origin, ca, headers, settings.warmup);
  execFileSync("callgrind_control", ["--instr=on", String(pid)], { stdio: "ignore" });
  await call(origin, ca, headers, settings.requests);
  execFileSync("callgrind_control", ["--dump", String(pid)], { stdio: "ignore" });
  const perThread = new Map<string, number>();
  for (const file of readdirSync(outDir)) {
    const thread = file.match(new RegExp(`^callgrind\\.${pid}\\.\\d+-(\\d+)$`))?.[1];
    if (!thread) continue;
    const totals = readFileSync(join(outDir, file), "utf8").match(/^(?:totals|summary):\s+(\d+)/m);
    perThread.set(thread, Number(totals?.[1] ?? 0) / settings.requests);
  }
  const request = perThread.get("01");
  if (request === undefined) throw new Error(`no dump of the request thread of ${pid}`);
  const others = [...perThread].filter(([thread]) => thread !== "01").map(([, n]) => n);
  return {
    requestThread: request,
    otherThreads: others.reduce((sum, n) => sum + n, 0),
    busiestOther: Math.max(0, ...others),
  };
}

async function main(processes: PinnedProcesses): Promise<void> {
  requireTools([{ tool: "valgrind", install: "valgrind" }]);
  if (!flags["no-build"]) buildDist(repoRoot, log);
  const workDir = mkdtempSync(join(tmpdir(), "keyless-instructions-bench-"));
  try {
    const upstream = await startTsChild<UpstreamListening>(
      processes,
      "upstream",
      "0-1",
      new URL("./openai-upstream.ts", import.meta.url),
      { chunkIntervalMs: 1 } satisfies UpstreamInput,
      "UPSTREAM",
    );
    const dataDir = join(workDir, "keyless");
    mkdirSync(dataDir);
    const setUp = await startKeyless(processes, "0-1", repoRoot, dataDir);
    await setUpDeployment(setUp, upstream.listening.baseUrl);
    await processes.stop(setUp.process);

    const keylessOut = join(workDir, "keyless-callgrind");
    mkdirSync(keylessOut);
    log("Keyless under callgrind …");
    const keyless = await startKeyless(processes, "0-1", repoRoot, dataDir, [], {
      command: ["valgrind", ...callgrindFlags(keylessOut)],
      startTimeoutMs: START_TIMEOUT_MS,
    });
    const client = new TrustedClient(keyless.ca);
    const token = await dataPlaneToken(client, keyless).finally(() => client.close());
    const E = await count(
      keyless.process.pid,
      keyless.httpsUrl,
      keyless.ca,
      { authorization: `Bearer ${token}` },
      keylessOut,
    );
    await processes.stop(keyless.process, STOP_GRACE_MS);

    const proxyOut = join(workDir, "proxy-callgrind");
    mkdirSync(proxyOut);
    log("the bare Node proxy under callgrind …");
    const input: BareProxyInput = {
      upstreamBaseUrl: upstream.listening.baseUrl,
      ...keyless.serverTls,
    };
    const proxy = await startAnnounced(
      processes,
      "node-proxy",
      "0-1",
      "valgrind",
      [
        ...callgrindFlags(proxyOut),
        process.execPath,
        "--import",
        "tsx",
        join(import.meta.dirname, "bare-proxy.ts"),
        JSON.stringify(input),
      ],
      /^PROXY (\{.*\})$/m,
      undefined,
      START_TIMEOUT_MS,
    );
    const { httpsUrl } = JSON.parse(proxy.announced) as { httpsUrl: string };
    const B = await count(proxy.process.pid, httpsUrl, keyless.ca, {}, proxyOut);
    await processes.stop(proxy.process, STOP_GRACE_MS);
    report(E, B);
  } finally {
    await processes.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

function report(E: Counted, B: Counted): void {
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  const row = (name: string, c: Counted) =>
    `| ${name} | ${k(c.requestThread)} | ${k(c.otherThreads)} | ${k(c.busiestOther)} | ${k(c.requestThread + c.otherThreads)} |`;
  const machine = describeMachine();
  const markdown = [
    "## gateway-instructions",
    "",
    `${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}, valgrind's callgrind; ` +
      `${settings.warmup} calls to warm up, then ${settings.requests} counted, ` +
      `${settings.concurrency} at a time (\`npm run bench:gateway-instructions\`).`,
    "",
    "| instructions per call | request thread | other threads | busiest other | all |",
    "| --- | ---: | ---: | ---: | ---: |",
    row("B bare Node HTTPS proxy", B),
    row("E Keyless, token + RBAC + audit", E),
    "",
    `Request thread E ÷ B: ${(E.requestThread / B.requestThread).toFixed(3)}×; ` +
      `all threads E ÷ B: ${((E.requestThread + E.otherThreads) / (B.requestThread + B.otherThreads)).toFixed(3)}×. ` +
      "At this low rate Keyless's audit writer (its busiest other thread) writes small batches, " +
      "so it costs more per call than under load.",
  ].join("\n");
  log("\n" + markdown);
  if (!flags["no-write"]) {
    const file = join(repoRoot, "bench", "RESULTS.md");
    writeResultsSection(file, "gateway-instructions", markdown);
    log(`\nwritten to ${file}`);
  }
}

await runBenchmark("bench:gateway-instructions", main);
