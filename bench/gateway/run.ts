/**
 * `npm run bench:gateway`: what Keyless's data plane adds to a forwarded chat completion,
 * against a fast local upstream reached directly (A), through a bare Node HTTPS reverse proxy
 * (B, the runtime's floor) and through nginx (C, the native floor), and through Keyless with
 * an account key (D) and with a bearer token, RBAC and audit (E), all in one run.
 *
 * Pinning (taskset, read back from /proc/PID/status): the upstream and every proxy run on the
 * server CPU(s) (default core 0), measured one at a time, so the upstream shares the core with
 * whichever proxy is under load; wrk and the streaming client run on the load CPU(s) (core 1).
 *
 * Steps: build dist/ → start the upstream, Keyless (own data folder, SQLite, own CA), the
 * deployment `bench` through ARM with its key and a data-plane token, the Node proxy and nginx
 * with Keyless's certificate → check a plain and a streamed answer through each → wrk warm-up
 * of each → rounds: every contestant at 64 connections (throughput), then every one at 1
 * (latency), in the order A→C→D→B→E and its reverse by turns → the streaming client (time to
 * first chunk) → check each again
 * → stop everything by PID → count Keyless's audit records → tables and bench/RESULTS.md.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { describeMachine } from "../support/machine.js";
import { buildDist, PINNED_LOAD_TOOLS, requireTools } from "../support/prerequisites.js";
import {
  runBenchmark,
  type PinnedProcess,
  type PinnedProcesses,
} from "../support/pinned-processes.js";
import { parseCpuList } from "../support/process-cpu.js";
import { writeResultsSection } from "../support/results-file.js";
import { countAuditRecords, type AuditCount } from "./audit-count.js";
import { CHAT_REQUEST } from "./chat-completion.js";
import { checkReplies, type CheckedReplies } from "./checked-reply.js";
import { startContestants, type Running } from "./contestants.js";
import type { FirstChunkInput, FirstChunkResult } from "./first-chunk.js";
import { DEPLOYMENT, type KeylessGateway } from "./keyless-gateway.js";
import { findNginx } from "./nginx-proxy.js";
import type { UpstreamCounts } from "./openai-upstream.js";
import { CONTESTANTS, type Contestant, type Figures, type LoadRun } from "./figures.js";
import { renderMarkdown, renderTable } from "./report.js";
import { allowedCpus, startServerWindow } from "./server-cpu.js";
import { TrustedClient } from "./trusted-client.js";
import { runWrk, wrkVersion } from "../support/wrk.js";

const repoRoot = join(import.meta.dirname, "..", "..");
/**
 * The order of odd rounds (even rounds run it backwards). B and E, the pair the goals compare,
 * run back to back: on a shared virtual machine the same code's CPU time per request drifts by
 * up to half within a minute, and runs seconds apart see the same drift.
 */
const ROUND_ORDER: readonly Contestant[] = [
  "direct",
  "nginx",
  "keylessKey",
  "node",
  "keylessToken",
];

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "10" },
    connections: { type: "string", default: "64" },
    rounds: { type: "string", default: "5" },
    "stream-requests": { type: "string", default: "300" },
    "chunk-interval": { type: "string", default: "1" },
    "server-cpus": { type: "string", default: "0" },
    "load-cpus": { type: "string", default: "1" },
    "no-build": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    /** Also write every figure measured, as JSON, to this file. */
    json: { type: "string" },
    /** Extra node flags for the Keyless child, e.g. `--cpu-prof --cpu-prof-dir=tmp/prof`. */
    "keyless-node-args": { type: "string", default: "" },
  },
});
const settings = {
  seconds: Number(flags.duration),
  warmupSeconds: Number(flags.warmup),
  connections: Number(flags.connections),
  rounds: Number(flags.rounds),
  streamRequests: Number(flags["stream-requests"]),
  chunkIntervalMs: Number(flags["chunk-interval"]),
  serverCpus: flags["server-cpus"],
  loadCpus: flags["load-cpus"],
};
const log = (line: string) => process.stdout.write(line + "\n");

/** Fails with the package to install when a tool is missing; returns nginx's path. */
function checkTools(): string {
  requireTools(PINNED_LOAD_TOOLS);
  const nginx = findNginx();
  if (!nginx) throw new Error("nginx is missing: apt-get install -y nginx-light (or nginx)");
  const cpus = [...parseCpuList(settings.serverCpus), ...parseCpuList(settings.loadCpus)];
  const nproc = Number(execFileSync("nproc", { encoding: "utf8" }).trim());
  if (Math.max(...cpus) >= nproc)
    throw new Error(`CPUs ${cpus.join(", ")} asked for, ${nproc} available: needs at least 2`);
  return nginx;
}

function build(): void {
  if (!flags["no-build"]) buildDist(repoRoot, log);
}

function keylessRevision(): string {
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: repoRoot, encoding: "utf8" }).trim();
  try {
    const dirty = git("status", "--porcelain", "--", "src").length > 0;
    return `${git("rev-parse", "--short", "HEAD")}${dirty ? " with uncommitted changes in src/" : ""}`;
  } catch {
    return "unknown";
  }
}

/** Stops a server by its PID; SIGTERM drains and exits 0, anything else is reported. */
async function stopServer(processes: PinnedProcesses, server: PinnedProcess): Promise<void> {
  const exit = await processes.stop(server);
  if (exit !== 0) process.stderr.write(`${server.name} exited with ${exit}:\n${server.output()}\n`);
}

/** One bounded wrk run against a contestant, with the server CPUs' time over it. */
async function measureLoad(
  processes: PinnedProcesses,
  running: Running,
  name: Contestant,
  connections: number,
  seconds: number,
): Promise<LoadRun> {
  const contender = running.contenders[name];
  const endWindow = startServerWindow(
    contender.pids,
    running.upstream.pid,
    parseCpuList(settings.serverCpus),
  );
  const wrk = await runWrk(processes, {
    url: contender.url,
    body: REQUEST_BODY,
    contentType: "application/json",
    credential: contender.credential,
    connections,
    seconds,
    cpus: settings.loadCpus,
  });
  const window = endWindow();
  if (wrk.notOk > 0) throw new Error(`${name}: ${wrk.notOk} non-200 responses of ${wrk.requests}`);
  return { wrk, window };
}

async function measureFirstChunks(
  processes: PinnedProcesses,
  running: Running,
): Promise<FirstChunkResult> {
  const input: FirstChunkInput = {
    caFile: running.keyless.caFile,
    targets: CONTESTANTS.map((name) => {
      const { url, credential } = running.contenders[name];
      return { name, url, headers: credential ? { [credential.name]: credential.value } : {} };
    }),
    rounds: settings.rounds,
    requestsPerRound: settings.streamRequests,
    warmupRequests: 50,
    requestTimeoutMs: 10_000,
    deadlineMs: 300_000,
  };
  const output = await processes.run("first-chunk", settings.loadCpus, process.execPath, [
    "--import",
    "tsx",
    join(import.meta.dirname, "first-chunk.ts"),
    JSON.stringify(input),
  ]);
  const line = output.match(/^FIRST-CHUNK (\{.*\})$/m);
  if (!line) throw new Error(`the streaming client printed no result:\n${output}`);
  return JSON.parse(line[1]!) as FirstChunkResult;
}

async function checkAll(running: Running): Promise<Record<Contestant, CheckedReplies>> {
  const client = new TrustedClient(running.keyless.ca);
  try {
    const checked: Partial<Record<Contestant, CheckedReplies>> = {};
    for (const name of CONTESTANTS)
      checked[name] = await checkReplies(client, name, running.contenders[name]);
    return checked as Record<Contestant, CheckedReplies>;
  } finally {
    await client.close();
  }
}

const REQUEST_BODY = JSON.stringify(CHAT_REQUEST);

async function measure(
  processes: PinnedProcesses,
  running: Running,
): Promise<Omit<Figures, "audit" | "upstreamCounts">> {
  const before = await checkAll(running);
  log(`warm-up ${settings.warmupSeconds} s each at ${settings.connections} connections …`);
  const warmup: Partial<Record<Contestant, LoadRun>> = {};
  for (const name of CONTESTANTS)
    warmup[name] = await measureLoad(
      processes,
      running,
      name,
      settings.connections,
      settings.warmupSeconds,
    );
  const rounds: Figures["rounds"] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? [...ROUND_ORDER] : [...ROUND_ORDER].reverse();
    const throughput: Partial<Record<Contestant, LoadRun>> = {};
    const latency: Partial<Record<Contestant, LoadRun>> = {};
    for (const name of order) {
      log(`round ${round + 1}/${settings.rounds}: ${name} at ${settings.connections} …`);
      throughput[name] = await measureLoad(
        processes,
        running,
        name,
        settings.connections,
        settings.seconds,
      );
    }
    for (const name of order) {
      log(`round ${round + 1}/${settings.rounds}: ${name} at 1 …`);
      latency[name] = await measureLoad(processes, running, name, 1, settings.seconds);
    }
    rounds.push({
      order,
      throughput: throughput as Record<Contestant, LoadRun>,
      latency: latency as Record<Contestant, LoadRun>,
    });
  }
  log(`streaming: ${settings.rounds} × ${settings.streamRequests} requests to each …`);
  const firstChunk = await measureFirstChunks(processes, running);
  const after = await checkAll(running);
  const machine = describeMachine();
  return {
    date: new Date().toISOString(),
    machine: {
      ...machine,
      openssl: process.versions.openssl,
      wrk: wrkVersion(),
      nginx: running.versions.nginx,
    },
    keyless: keylessRevision(),
    settings,
    cpus: Object.fromEntries(
      CONTESTANTS.map((name) => [name, running.contenders[name].cpus]),
    ) as Record<Contestant, string>,
    upstreamCpus: allowedCpus(running.upstream.pid),
    loadCpus: rounds[0]!.throughput.direct.wrk.cpus,
    warmup: warmup as Record<Contestant, LoadRun>,
    rounds,
    firstChunk,
    checks: Object.fromEntries(
      CONTESTANTS.map((name) => [name, { before: before[name], after: after[name] }]),
    ) as Figures["checks"],
  };
}

async function main(processes: PinnedProcesses): Promise<void> {
  const nginx = checkTools();
  build();
  const workDir = mkdtempSync(join(tmpdir(), "keyless-gateway-bench-"));
  let figures: Figures;
  try {
    const running = await startContestants(processes, {
      workDir,
      repoRoot,
      cpus: settings.serverCpus,
      chunkIntervalMs: settings.chunkIntervalMs,
      connections: settings.connections,
      keylessNodeArgs: flags["keyless-node-args"].split(" ").filter(Boolean),
      nginx,
      log,
    });
    let measured: Omit<Figures, "audit" | "upstreamCounts">;
    try {
      measured = await measure(processes, running);
    } finally {
      // The upstream last: the proxies' connections to it close first.
      for (const server of [...running.servers].reverse()) await stopServer(processes, server);
    }
    figures = {
      ...measured,
      upstreamCounts: upstreamCounts(running.upstream),
      audit: auditCount(running.keyless),
    };
  } finally {
    // After a failure some servers may still run and write into the folder: stop them first.
    await processes.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
  if (flags.json) writeFileSync(flags.json, JSON.stringify(figures, null, 2));
  log("\n" + renderTable(figures));
  if (!flags["no-write"]) {
    const file = join(repoRoot, "bench", "RESULTS.md");
    writeResultsSection(file, "gateway", renderMarkdown(figures));
    log(`\nwritten to ${file}`);
  }
}

function upstreamCounts(upstream: PinnedProcess): UpstreamCounts | undefined {
  const line = upstream.output().match(/^UPSTREAM-COUNTS (\{.*\})$/m);
  return line ? (JSON.parse(line[1]!) as UpstreamCounts) : undefined;
}

/** Keyless's audit records of the deployment; a message instead when they cannot be read. */
function auditCount(keyless: KeylessGateway): AuditCount | string {
  try {
    return countAuditRecords(keyless.databaseFile, DEPLOYMENT);
  } catch (error) {
    return `not counted (${(error as Error).message})`;
  }
}

await runBenchmark("bench:gateway", main);
