import type { Machine } from "../support/machine.js";
import type { CpuWindow } from "../support/process-cpu.js";
import type { CheckedToken } from "./checked-token.js";
import type { BaselineResult } from "./sign-baseline.js";
import type { WrkResult } from "../support/wrk.js";

/** Keyless's tokens/s as a share of the raw signing rate on the same CPU budget. */
export const GOAL = 0.8;

/** The three measured in every round: raw signing, the Node HTTPS floor, Keyless. */
export type Contestant = "baseline" | "floor" | "keyless";
const LETTER: Record<Contestant, string> = { baseline: "R", floor: "F", keyless: "K" };

export interface EndpointRun {
  wrk: WrkResult;
  /** The server's process (every thread) over the wrk run. */
  window: CpuWindow;
  tokensPerSecond: number;
}

export interface Figures {
  date: string;
  machine: Machine;
  settings: {
    seconds: number;
    warmupSeconds: number;
    connections: number;
    rounds: number;
    serverCpus: string;
    loadCpus: string;
  };
  scope: string;
  keylessCpus: string;
  floorCpus: string;
  rounds: {
    baseline: BaselineResult;
    floor: EndpointRun;
    keyless: EndpointRun;
    /** The order the three ran in. */
    order: Contestant[];
  }[];
  /** Tokens fetched over verified TLS before and after the load, decoded and checked. */
  tokens: Record<"keyless" | "floor", { before: CheckedToken; after: CheckedToken }>;
}

type Round = Figures["rounds"][number];

interface Row {
  label: string;
  /** Tokens per wall-clock second. */
  rate: Record<Contestant, number>;
  /** Tokens per CPU-second of the measured process. */
  perCpu: Record<Contestant, number>;
  /** Share of the server CPUs taken by other work during each one's runs. */
  others: Record<Contestant, number>;
  /** Share of the server CPUs idle during each endpoint's runs: the load did not keep it busy. */
  idle: Record<"floor" | "keyless", number>;
  p50: Record<"floor" | "keyless", number>;
  p99: Record<"floor" | "keyless", number>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function row(label: string, rounds: Round[], cpuCount: number): Row {
  const sum = (pick: (round: Round) => number) =>
    rounds.reduce((total, round) => total + pick(round), 0);
  const baselineSeconds = sum((r) => r.baseline.window.seconds);
  const endpoint = (name: "floor" | "keyless") => {
    const tokens = sum((r) => r[name].wrk.ok);
    const capacity = sum((r) => r[name].window.seconds) * cpuCount;
    return {
      rate: tokens / sum((r) => r[name].wrk.durationUs / 1e6),
      perCpu: tokens / sum((r) => r[name].window.processCpuSeconds),
      others: sum((r) => r[name].window.otherCpuSeconds) / capacity,
      idle: Math.max(
        0,
        1 -
          sum((r) => r[name].window.processCpuSeconds + r[name].window.otherCpuSeconds) / capacity,
      ),
    };
  };
  const floor = endpoint("floor");
  const keyless = endpoint("keyless");
  // wrk's histograms cannot be merged across runs: over several rounds, the median round.
  const latency = (name: "floor" | "keyless", percentile: "p50" | "p99") =>
    median(rounds.map((r) => r[name].wrk.latencyUs[percentile]));
  return {
    label,
    rate: {
      baseline: sum((r) => r.baseline.tokens) / baselineSeconds,
      floor: floor.rate,
      keyless: keyless.rate,
    },
    perCpu: {
      baseline: sum((r) => r.baseline.tokens) / sum((r) => r.baseline.window.processCpuSeconds),
      floor: floor.perCpu,
      keyless: keyless.perCpu,
    },
    others: {
      baseline: sum((r) => r.baseline.window.otherCpuSeconds) / (baselineSeconds * cpuCount),
      floor: floor.others,
      keyless: keyless.others,
    },
    idle: { floor: floor.idle, keyless: keyless.idle },
    p50: { floor: latency("floor", "p50"), keyless: latency("keyless", "p50") },
    p99: { floor: latency("floor", "p99"), keyless: latency("keyless", "p99") },
  };
}

function rows(figures: Figures): Row[] {
  const cpuCount = figures.settings.serverCpus.split(/[,-]/).length;
  const perRound = figures.rounds.map((round, index) =>
    row(`${index + 1} (${round.order.map((name) => LETTER[name]).join("→")})`, [round], cpuCount),
  );
  return [...perRound, row("all rounds", figures.rounds, cpuCount)];
}

const int = (value: number) => value.toFixed(0);
const times = (value: number) => `${value.toFixed(2)}×`;
const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;
const us = (perCpu: number) => `${(1e6 / perCpu).toFixed(0)} µs`;

/** Keyless ÷ raw, Keyless ÷ floor, floor ÷ raw. */
const ratios = (of: Record<Contestant, number>) => [
  times(of.keyless / of.baseline),
  times(of.keyless / of.floor),
  times(of.floor / of.baseline),
];

interface Table {
  headings: string[];
  cells: (r: Row) => string[];
}

const RATES: Table = {
  headings: [
    "round",
    "raw signs/s",
    "floor tokens/s",
    "Keyless tokens/s",
    "Keyless ÷ raw",
    "Keyless ÷ floor",
    "floor ÷ raw",
    "others on server CPU (R/F/K)",
    "server CPU idle (F/K)",
  ],
  cells: (r) => [
    r.label,
    int(r.rate.baseline),
    int(r.rate.floor),
    int(r.rate.keyless),
    ...ratios(r.rate),
    `${percent(r.others.baseline)} / ${percent(r.others.floor)} / ${percent(r.others.keyless)}`,
    `${percent(r.idle.floor)} / ${percent(r.idle.keyless)}`,
  ],
};

const CPU_TIME: Table = {
  headings: [
    "round",
    "raw signs/CPU-s",
    "floor tokens/CPU-s",
    "Keyless tokens/CPU-s",
    "Keyless ÷ raw",
    "Keyless ÷ floor",
    "floor ÷ raw",
    "floor p50 / p99",
    "Keyless p50 / p99",
  ],
  cells: (r) => [
    r.label,
    int(r.perCpu.baseline),
    int(r.perCpu.floor),
    int(r.perCpu.keyless),
    ...ratios(r.perCpu),
    `${ms(r.p50.floor)} / ${ms(r.p99.floor)}`,
    `${ms(r.p50.keyless)} / ${ms(r.p99.keyless)}`,
  ],
};

function verdict(figures: Figures): string[] {
  const all = rows(figures).at(-1)!;
  const ratio = all.rate.keyless / all.rate.baseline;
  const needed = GOAL * all.rate.baseline;
  const goal =
    ratio >= GOAL
      ? `met`
      : `MISSED by ${(GOAL - ratio).toFixed(2)} (${int(needed)} tokens/s needed, ` +
        `${percent(needed / all.rate.keyless - 1)} more than measured)`;
  const floorRatio = all.rate.floor / all.rate.baseline;
  return [
    `Keyless ÷ raw signing ${times(ratio)} over all rounds — goal ≥ ${times(GOAL)} ${goal}; ` +
      `CPU-time ratio ${times(all.perCpu.keyless / all.perCpu.baseline)}.`,
    `Keyless ÷ Node HTTPS floor ${times(all.rate.keyless / all.rate.floor)} ` +
      `(CPU-time ${times(all.perCpu.keyless / all.perCpu.floor)}); ` +
      `floor ÷ raw signing ${times(floorRatio)} (CPU-time ` +
      `${times(all.perCpu.floor / all.perCpu.baseline)}), ` +
      `${floorRatio >= GOAL ? "at or above" : "itself below"} the goal.`,
    `CPU per token (measured process, every thread): raw signing ${us(all.perCpu.baseline)}; ` +
      `floor ${us(all.perCpu.floor)} (+${int(1e6 / all.perCpu.floor - 1e6 / all.perCpu.baseline)} µs ` +
      `for HTTPS, TLS, form and JSON); Keyless ${us(all.perCpu.keyless)} ` +
      `(+${int(1e6 / all.perCpu.keyless - 1e6 / all.perCpu.floor)} µs beyond the floor).`,
  ];
}

function correctness(figures: Figures): string {
  const total = (pick: (round: Round) => number) =>
    figures.rounds.reduce((sum, round) => sum + pick(round), 0);
  const counts = (name: "floor" | "keyless") =>
    `${total((r) => r[name].wrk.notOk)} non-200 of ${total((r) => r[name].wrk.requests)}, ` +
    `${total((r) => Object.values(r[name].wrk.socketErrors).reduce((sum, n) => sum + n, 0))} socket errors`;
  const keyless = figures.tokens.keyless.before;
  const floor = figures.tokens.floor.before;
  return (
    `measured responses: Keyless ${counts("keyless")}; floor ${counts("floor")}. ` +
    `A token fetched from each before and after the load over TLS verified against Keyless's CA ` +
    `decoded as ${String(keyless.header.alg)}, signature valid (Keyless's against the tenant's JWKS, ` +
    `the floor's against its own key), aud/tid/appid/exp as requested; both answered ` +
    `{${keyless.responseKeys.join(", ")}} (Keyless token ${keyless.bytes} characters, payload ` +
    `${keyless.payloadBytes} bytes; floor ${floor.bytes} and ${floor.payloadBytes}; raw signing ` +
    `payload ${figures.rounds[0]!.baseline.payloadBytes} bytes)`
  );
}

function textTable(table: Table, figures: Figures): string[] {
  const body = [table.headings, ...rows(figures).map(table.cells)];
  const widths = table.headings.map((_, column) => Math.max(...body.map((r) => r[column]!.length)));
  return body.map((r) =>
    r
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!),
      )
      .join("  "),
  );
}

/** The console tables. */
export function renderTable(figures: Figures): string {
  const { machine, settings } = figures;
  return [
    `token-endpoint — ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}`,
    `raw signing (R), Node HTTPS floor (F) and Keyless (K) on CPU ${figures.keylessCpus}, ` +
      `wrk on CPU ${figures.rounds[0]!.keyless.wrk.cpus}; ` +
      `${settings.connections} connections / in flight, ${settings.seconds} s per run`,
    "",
    "tokens per wall-clock second",
    ...textTable(RATES, figures),
    "",
    "tokens per CPU-second of the measured process; wrk latency",
    ...textTable(CPU_TIME, figures),
    "",
    ...verdict(figures),
    `Correctness: ${correctness(figures)}.`,
  ].join("\n");
}

function markdownTable(table: Table, figures: Figures): string {
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [
    line(table.headings),
    line(table.headings.map((_, column) => (column === 0 ? "---" : "---:"))),
    ...rows(figures).map(table.cells).map(line),
  ].join("\n");
}

/** The `token-endpoint` section of bench/RESULTS.md. */
export function renderMarkdown(figures: Figures): string {
  const { settings, machine } = figures;
  return `## token-endpoint

Client-credentials tokens per second from the v2 token endpoint against the raw RS256 signing
rate and against a minimal Node HTTPS token endpoint, all measured in the same run
(\`npm run bench:token\`).

- Date: ${figures.date}
- Machine: \`nproc\` ${machine.nproc}, ${machine.cpuModel}, Node ${machine.node}

### Method

- **Keyless** (K): \`node dist/main.js start --https-port 0 --http-port 0\` as a child process
  (freshly built \`dist/\`), dev mode, HTTPS with the CA it generated in its own temporary data
  folder, SQLite there, \`KEYLESS_LOG_LEVEL=warn\`, \`KEYLESS_AUTH_FAILURE_LIMIT=1000000000\`.
- **Raw signing baseline** (R): a child Node process (\`sign-baseline.ts\`, nothing imported from
  \`src/\`) doing what the token issuer does per token (\`sign-token.ts\`): the claims of the token
  Keyless issued with fresh \`iat\`/\`nbf\`/\`exp\` and random \`aio\`/\`rh\`/\`uti\`, base64url header
  and payload, async \`crypto.sign('sha256', …)\` with a 2048-bit RSA key on libuv's thread pool
  (default 4 threads, as Keyless), ${settings.connections} in flight, ${settings.warmupSeconds} s warm-up, then ${settings.seconds} s.
- **Node HTTPS floor** (F): what any Node token endpoint must pay. A child Node process
  (\`https-floor.ts\`, nothing imported from \`src/\`): a bare \`node:https\` server with Keyless's
  own ECDSA P-256 certificate chain from its data folder, that per POST reads the form body,
  parses it with \`URLSearchParams\`, signs the same payload as the baseline the same way
  (\`sign-token.ts\`) and answers \`{token_type, expires_in, ext_expires_in, access_token}\` as
  Keyless does, with \`cache-control: no-store\`. No framework, routing, storage, client
  authentication or logging.
- **Load**: wrk 4.1 (1 thread, ${settings.connections} keep-alive connections, a ${settings.warmupSeconds} s warm-up run against
  each server, then ${settings.seconds} s runs) POSTing \`grant_type=client_credentials\`, the dev service
  principal's \`client_id\`/\`client_secret\` and \`scope=${figures.scope}\` to
  \`https://localhost:PORT/{tenant}/oauth2/v2.0/token\` (loopback only); Keyless and the floor get
  the same request. A Lua script counts responses by status. wrk cannot be given a CA (it does
  not verify certificates), so a token is also fetched from each over Node's \`https\` trusting
  only \`<dataDir>/tls/ca.pem\`, before and after the load, decoded, and its signature checked.
- **Same CPU budget** (\`taskset --cpu-list\`, read back from \`/proc/PID/status\`): Keyless, the
  floor and the baseline ran on CPU ${settings.serverCpus}, one at a time (each server sat idle while
  another contestant was measured); libuv's threads inherit the pinning. wrk ran on CPU ${settings.loadCpus}, so the
  load generator never took the server's CPU.
- **Rounds**: ${settings.rounds} rounds, each one run of each contestant, the order alternating
  (R→F→K, K→F→R, …) so a change in the machine's load over time hits all three alike. Rates are
  total tokens over total seconds of each. Other work on the server CPU (other processes,
  interrupts, hypervisor steal; from \`/proc/stat\` minus the measured process) is reported
  because it moves wall-clock rates, and so is the server CPU's idle share during endpoint runs
  (wrk on a busy load CPU can leave the server short of requests); CPU-time rates (tokens per
  CPU-second of the measured process, from \`/proc/PID/stat\`) depend on neither directly
  (other work can still slow them through shared caches, so a disturbed round shows in both).

### Figures

Tokens per wall-clock second:

${markdownTable(RATES, figures)}

Tokens per CPU-second of the measured process, and wrk's latency percentiles under the full load
(${settings.connections} connections; the "all rounds" row shows the median round's):

${markdownTable(CPU_TIME, figures)}

${verdict(figures)
  .map((line) => `- ${line}`)
  .join("\n")}

Correctness: ${correctness(figures)}.
`;
}
