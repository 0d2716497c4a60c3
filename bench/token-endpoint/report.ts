import type { Machine } from "../support/machine.js";
import type { CpuWindow } from "../support/process-cpu.js";
import type { CheckedToken } from "./keyless-under-test.js";
import type { BaselineResult } from "./sign-baseline.js";
import type { WrkResult } from "./wrk.js";

export const GOAL = 0.8;

export interface EndpointRun {
  wrk: WrkResult;
  /** Keyless's process over the wrk run. */
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
  rounds: { baseline: BaselineResult; endpoint: EndpointRun; endpointFirst: boolean }[];
  /** Tokens fetched over verified TLS before and after the load, decoded and checked. */
  tokens: { before: CheckedToken; after: CheckedToken };
}

interface Row {
  label: string;
  baselineRate: number;
  endpointRate: number;
  baselinePerCpu: number;
  endpointPerCpu: number;
  /** Share of the server CPUs taken by other work during the baseline and the endpoint runs. */
  othersBaseline: number;
  othersEndpoint: number;
  p50: number;
  p99: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function row(label: string, rounds: Figures["rounds"], cpuCount: number): Row {
  const sum = (pick: (round: Figures["rounds"][number]) => number) =>
    rounds.reduce((total, round) => total + pick(round), 0);
  const baselineSeconds = sum((r) => r.baseline.window.seconds);
  const endpointSeconds = sum((r) => r.endpoint.wrk.durationUs / 1e6);
  const endpointTokens = sum((r) => r.endpoint.wrk.ok);
  const baselineTokens = sum((r) => r.baseline.tokens);
  return {
    label,
    baselineRate: baselineTokens / baselineSeconds,
    endpointRate: endpointTokens / endpointSeconds,
    baselinePerCpu: baselineTokens / sum((r) => r.baseline.window.processCpuSeconds),
    endpointPerCpu: endpointTokens / sum((r) => r.endpoint.window.processCpuSeconds),
    othersBaseline: sum((r) => r.baseline.window.otherCpuSeconds) / (baselineSeconds * cpuCount),
    othersEndpoint:
      sum((r) => r.endpoint.window.otherCpuSeconds) /
      (sum((r) => r.endpoint.window.seconds) * cpuCount),
    // wrk's histograms cannot be merged across runs: over several rounds, the median round.
    p50: median(rounds.map((r) => r.endpoint.wrk.latencyUs.p50)),
    p99: median(rounds.map((r) => r.endpoint.wrk.latencyUs.p99)),
  };
}

function rows(figures: Figures): Row[] {
  const cpuCount = figures.settings.serverCpus.split(/[,-]/).length;
  const perRound = figures.rounds.map((round, index) =>
    row(`${index + 1} (${round.endpointFirst ? "E→B" : "B→E"})`, [round], cpuCount),
  );
  return [...perRound, row("all rounds", figures.rounds, cpuCount)];
}

const int = (value: number) => value.toFixed(0);
const times = (value: number) => `${value.toFixed(2)}×`;
const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;

const HEADINGS = [
  "round",
  "baseline signs/s",
  "endpoint tokens/s",
  "ratio",
  "baseline signs/CPU-s",
  "endpoint tokens/CPU-s",
  "CPU ratio",
  "others on server CPU (B/E)",
  "p50",
  "p99",
];

function cells(r: Row): string[] {
  return [
    r.label,
    int(r.baselineRate),
    int(r.endpointRate),
    times(r.endpointRate / r.baselineRate),
    int(r.baselinePerCpu),
    int(r.endpointPerCpu),
    times(r.endpointPerCpu / r.baselinePerCpu),
    `${percent(r.othersBaseline)} / ${percent(r.othersEndpoint)}`,
    ms(r.p50),
    ms(r.p99),
  ];
}

function verdict(figures: Figures): string {
  const all = rows(figures).at(-1)!;
  const ratio = all.endpointRate / all.baselineRate;
  return `ratio ${times(ratio)} over all rounds — goal ≥ ${times(GOAL)} ${ratio >= GOAL ? "met" : "MISSED"} (CPU-time ratio ${times(all.endpointPerCpu / all.baselinePerCpu)})`;
}

function correctness(figures: Figures): string {
  const { before } = figures.tokens;
  const responses = figures.rounds.reduce((total, round) => total + round.endpoint.wrk.requests, 0);
  const notOk = figures.rounds.reduce((total, round) => total + round.endpoint.wrk.notOk, 0);
  const socketErrors = figures.rounds.reduce(
    (total, round) =>
      total + Object.values(round.endpoint.wrk.socketErrors).reduce((sum, n) => sum + n, 0),
    0,
  );
  return (
    `${notOk} non-200 of ${responses} measured responses, ${socketErrors} socket errors; ` +
    `a token fetched before and after the load over TLS verified against Keyless's CA decoded as ` +
    `${String(before.header.alg)}, signature valid against the tenant's JWKS, aud/tid/appid/exp as requested ` +
    `(${before.bytes} characters; payload ${before.payloadBytes} bytes, baseline payload ` +
    `${figures.rounds[0]!.baseline.payloadBytes} bytes)`
  );
}

/** The console table. */
export function renderTable(figures: Figures): string {
  const { machine, settings } = figures;
  const table = [HEADINGS, ...rows(figures).map(cells)];
  const widths = HEADINGS.map((_, column) => Math.max(...table.map((r) => r[column]!.length)));
  const lines = table.map((r) =>
    r
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!),
      )
      .join("  "),
  );
  return [
    `token-endpoint — ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}`,
    `Keyless and baseline on CPU ${figures.keylessCpus}, wrk on CPU ${figures.rounds[0]!.endpoint.wrk.cpus}; ` +
      `${settings.connections} connections / in flight, ${settings.seconds} s per run`,
    ...lines,
    verdict(figures),
    correctness(figures),
  ].join("\n");
}

function markdownTable(figures: Figures): string {
  const table = rows(figures).map(cells);
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [
    line(HEADINGS),
    line(HEADINGS.map((_, column) => (column === 0 ? "---" : "---:"))),
    ...table.map(line),
  ].join("\n");
}

/** The `token-endpoint` section of bench/RESULTS.md. */
export function renderMarkdown(figures: Figures): string {
  const { settings, machine } = figures;
  return `## token-endpoint

Client-credentials tokens per second from the v2 token endpoint against the raw RS256 signing
rate, measured in the same run (\`npm run bench:token\`).

- Date: ${figures.date}
- Machine: \`nproc\` ${machine.nproc}, ${machine.cpuModel}, Node ${machine.node}

### Method

- **Keyless**: \`node dist/main.js start --https-port 0 --http-port 0\` as a child process
  (freshly built \`dist/\`), dev mode, HTTPS with the CA it generated in its own temporary data
  folder, SQLite there, \`KEYLESS_LOG_LEVEL=warn\`, \`KEYLESS_AUTH_FAILURE_LIMIT=1000000000\`.
- **Load**: wrk 4.1 (1 thread, ${settings.connections} keep-alive connections, a ${settings.warmupSeconds} s warm-up run, then
  ${settings.seconds} s runs) POSTing \`grant_type=client_credentials\`, the dev service principal's
  \`client_id\`/\`client_secret\` and \`scope=${figures.scope}\` to
  \`https://localhost:PORT/{tenant}/oauth2/v2.0/token\` (loopback only). A Lua script counts
  responses by status. wrk cannot be given a CA (it does not verify certificates), so a token
  is also fetched over Node's \`https\` trusting only \`<dataDir>/tls/ca.pem\`, before and after
  the load, decoded, and its signature checked against the tenant's JWKS.
- **Baseline**: a child Node process (\`sign-baseline.ts\`, nothing imported from \`src/\`) doing
  what the token issuer does per token: the claims of the token Keyless issued with fresh
  \`iat\`/\`nbf\`/\`exp\` and random \`aio\`/\`rh\`/\`uti\`, base64url header and payload, async
  \`crypto.sign('sha256', …)\` with a 2048-bit RSA key on libuv's thread pool (default 4 threads,
  as Keyless), ${settings.connections} in flight, ${settings.warmupSeconds} s warm-up, then ${settings.seconds} s.
- **Same CPU budget** (\`taskset --cpu-list\`, read back from \`/proc/PID/status\`): Keyless and
  the baseline ran on CPU ${settings.serverCpus}, never at the same time (Keyless sat idle during baseline
  runs); libuv's threads inherit the pinning. wrk ran on CPU ${settings.loadCpus}, so the load
  generator never took the server's CPU.
- **Rounds**: ${settings.rounds} rounds, each one baseline run and one endpoint run, the order alternating
  (B→E, E→B, …) so a change in the machine's load over time hits both alike. The ratio is total
  tokens over total seconds of each side. Other work on the server CPU (other processes,
  interrupts, hypervisor steal; from \`/proc/stat\` minus the measured process) is reported
  because it moves wall-clock rates; CPU-time rates (tokens per CPU-second of the measured
  process, from \`/proc/PID/stat\`) do not depend on it.

### Figures

${markdownTable(figures)}

p50/p99 are wrk's latency percentiles under the full load (${settings.connections} connections); the "all rounds"
row shows the median round's. ${verdict(figures)}.

Correctness: ${correctness(figures)}.
`;
}
