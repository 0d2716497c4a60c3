/**
 * What one run measured (the figures run.ts collects and report.ts renders) and the summaries
 * every table and verdict is computed from.
 */
import type { Machine } from "../support/machine.js";
import type { AuditCount } from "./audit-count.js";
import type { CheckedReplies } from "./checked-reply.js";
import type { FirstChunkResult } from "./first-chunk.js";
import type { UpstreamCounts } from "./openai-upstream.js";
import type { ServerWindow } from "./server-cpu.js";
import type { WrkResult } from "../support/wrk.js";

/** The five measured in every round, in the order of the tables. */
export const CONTESTANTS = ["direct", "node", "nginx", "keylessKey", "keylessToken"] as const;
export type Contestant = (typeof CONTESTANTS)[number];

export const NAMES: Record<Contestant, { letter: string; name: string }> = {
  direct: { letter: "A", name: "direct to the upstream" },
  node: { letter: "B", name: "bare Node HTTPS proxy" },
  nginx: { letter: "C", name: "nginx HTTPS proxy" },
  keylessKey: { letter: "D", name: "Keyless, api-key" },
  keylessToken: { letter: "E", name: "Keyless, token + RBAC + audit" },
};

/** The goals, all against the bare Node proxy (B) measured in the same run. */
export const GOALS = {
  /** Throughput at full load: E ≥ this × B. */
  throughput: 0.85,
  /** Latency at concurrency 1: E's p50 above direct ≤ this × B's p50 above direct. */
  addedP50: 1.15,
  /** Time to the first streamed chunk, p50: E − B ≤ this many ms. */
  addedFirstChunkMs: 1,
};

export interface LoadRun {
  wrk: WrkResult;
  window: ServerWindow;
}

export interface Figures {
  date: string;
  machine: Machine & { openssl: string; wrk: string; nginx: string };
  /** The commit dist/ was built from. */
  keyless: string;
  settings: {
    seconds: number;
    warmupSeconds: number;
    connections: number;
    rounds: number;
    streamRequests: number;
    chunkIntervalMs: number;
    serverCpus: string;
    loadCpus: string;
  };
  /** `Cpus_allowed_list` of each contestant's processes, the upstream's and wrk's. */
  cpus: Record<Contestant, string>;
  upstreamCpus: string;
  loadCpus: string;
  warmup: Record<Contestant, LoadRun>;
  rounds: {
    order: Contestant[];
    /** `settings.connections` connections. */
    throughput: Record<Contestant, LoadRun>;
    /** One connection. */
    latency: Record<Contestant, LoadRun>;
  }[];
  firstChunk: FirstChunkResult;
  checks: Record<Contestant, { before: CheckedReplies; after: CheckedReplies }>;
  upstreamCounts?: UpstreamCounts;
  audit: AuditCount | string;
}

export type Round = Figures["rounds"][number];
export type Load = "throughput" | "latency";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile of samples. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

export interface Summary {
  rate: number;
  /** CPU µs per answered request: the contestant's processes, the upstream. */
  proxyUs: number;
  upstreamUs: number;
  /** Share of the server CPUs taken by other work, and left idle. */
  others: number;
  idle: number;
  /** wrk's percentiles in µs; over several rounds, the median round's. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

export function summarise(
  rounds: Round[],
  load: Load,
  name: Contestant,
  cpuCount: number,
): Summary {
  const runs = rounds.map((round) => round[load][name]);
  const sum = (pick: (run: LoadRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const ok = sum((run) => run.wrk.ok);
  const capacity = sum((run) => run.window.seconds) * cpuCount;
  // wrk's histograms cannot be merged across runs: over several rounds, the median round.
  const latency = (p: "p50" | "p90" | "p99" | "p999") =>
    median(runs.map((run) => run.wrk.latencyUs[p]));
  return {
    rate: ok / sum((run) => run.wrk.durationUs / 1e6),
    proxyUs: (sum((run) => run.window.proxyCpuSeconds) / ok) * 1e6,
    upstreamUs: (sum((run) => run.window.upstreamCpuSeconds) / ok) * 1e6,
    others: sum((run) => run.window.otherCpuSeconds) / capacity,
    idle: Math.max(
      0,
      1 -
        sum(
          (run) =>
            run.window.proxyCpuSeconds + run.window.upstreamCpuSeconds + run.window.otherCpuSeconds,
        ) /
          capacity,
    ),
    p50: latency("p50"),
    p90: latency("p90"),
    p99: latency("p99"),
    p999: latency("p999"),
  };
}

/** Server CPU time per request: the contestant's processes and the upstream. */
export const cpuPerRequest = (summary: Summary) => summary.proxyUs + summary.upstreamUs;

export const cpuCount = (figures: Figures) => figures.settings.serverCpus.split(/[,-]/).length;
export const all = (figures: Figures, load: Load) =>
  Object.fromEntries(
    CONTESTANTS.map((name) => [name, summarise(figures.rounds, load, name, cpuCount(figures))]),
  ) as Record<Contestant, Summary>;

export interface Streamed {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  completeP50: number;
}

export function streamed(figures: Figures): Record<Contestant, Streamed> {
  return Object.fromEntries(
    CONTESTANTS.map((name) => {
      const samples = figures.firstChunk.samples[name]!;
      return [
        name,
        {
          n: samples.firstChunkMs.length,
          p50: percentile(samples.firstChunkMs, 50),
          p90: percentile(samples.firstChunkMs, 90),
          p99: percentile(samples.firstChunkMs, 99),
          completeP50: percentile(samples.completeMs, 50),
        },
      ];
    }),
  ) as Record<Contestant, Streamed>;
}
