/**
 * `npm run bench:token`: client-credentials tokens per second from Keyless's v2 token endpoint
 * against the raw RS256 signing rate, measured in the same run with the same CPU budget.
 *
 * Pinning (taskset, read back from /proc/PID/status): Keyless and the baseline run on the
 * server CPU(s) (default core 0), never at the same time; wrk runs on the load CPU(s) (default
 * core 1), so the load generator never takes the server's CPU. taskset pins before it execs,
 * so libuv's signing threads inherit the pinning.
 *
 * Steps: build dist/ → start Keyless (own data folder, SQLite, own CA) → one token over
 * verified TLS, decoded and checked against JWKS → wrk warm-up → rounds, each a baseline run
 * and a wrk run in alternating order (ABBA, so drift in the machine's load hits both alike)
 * → another checked token → stop Keyless → table and bench/RESULTS.md.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { describeMachine } from "../support/machine.js";
import { PinnedProcesses } from "../support/pinned-processes.js";
import { parseCpuList, startCpuWindow } from "../support/process-cpu.js";
import { writeResultsSection } from "../support/results-file.js";
import {
  fetchCheckedToken,
  startKeyless,
  tokenRequestBody,
  tokenUrl,
  type CheckedToken,
  type KeylessUnderTest,
} from "./keyless-under-test.js";
import { renderMarkdown, renderTable, type EndpointRun, type Figures } from "./report.js";
import type { BaselineInput, BaselineResult } from "./sign-baseline.js";
import { runWrk } from "./wrk.js";

const repoRoot = join(import.meta.dirname, "..", "..");
const SCOPE = "https://cognitiveservices.azure.com/.default";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    connections: { type: "string", default: "32" },
    rounds: { type: "string", default: "3" },
    "server-cpus": { type: "string", default: "0" },
    "load-cpus": { type: "string", default: "1" },
    "no-build": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    /** Extra node flags for the Keyless child, e.g. `--cpu-prof --cpu-prof-dir=tmp/prof`. */
    "keyless-node-args": { type: "string", default: "" },
  },
});
const settings = {
  seconds: Number(flags.duration),
  warmupSeconds: Number(flags.warmup),
  connections: Number(flags.connections),
  rounds: Number(flags.rounds),
  serverCpus: flags["server-cpus"],
  loadCpus: flags["load-cpus"],
};
const log = (line: string) => process.stdout.write(line + "\n");

function checkTools(): void {
  for (const tool of ["/usr/bin/taskset", "wrk"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      throw new Error(`${tool} is missing: apt-get install -y wrk util-linux`);
    }
  }
}

function build(): void {
  if (flags["no-build"]) return;
  log("building dist/ …");
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
}

async function measureEndpoint(
  processes: PinnedProcesses,
  keyless: KeylessUnderTest,
  seconds: number,
): Promise<EndpointRun> {
  const endWindow = startCpuWindow(keyless.process.pid, parseCpuList(settings.serverCpus));
  const wrk = await runWrk(processes, {
    url: tokenUrl(keyless),
    body: tokenRequestBody(keyless, SCOPE),
    connections: settings.connections,
    seconds,
    cpus: settings.loadCpus,
  });
  const window = endWindow();
  if (wrk.notOk > 0) throw new Error(`${wrk.notOk} non-200 responses of ${wrk.requests}`);
  return { wrk, window, tokensPerSecond: wrk.ok / (wrk.durationUs / 1e6) };
}

async function measureBaseline(
  processes: PinnedProcesses,
  token: CheckedToken,
): Promise<BaselineResult> {
  const input: BaselineInput = {
    claims: token.claims,
    kid: String(token.header.kid),
    concurrency: settings.connections,
    warmupMs: settings.warmupSeconds * 1000,
    durationMs: settings.seconds * 1000,
  };
  const output = await processes.run("baseline", settings.serverCpus, process.execPath, [
    "--import",
    "tsx",
    join(import.meta.dirname, "sign-baseline.ts"),
    JSON.stringify(input),
  ]);
  const line = output.match(/^BASELINE (\{.*\})$/m);
  if (!line) throw new Error(`baseline printed no result:\n${output}`);
  return JSON.parse(line[1]!) as BaselineResult;
}

async function measure(processes: PinnedProcesses, dataDir: string): Promise<Figures> {
  const nodeArgs = flags["keyless-node-args"].split(" ").filter(Boolean);
  const keyless = await startKeyless(processes, settings.serverCpus, repoRoot, dataDir, nodeArgs);
  try {
    const keylessCpus = keyless.process.allowedCpus();
    log(`Keyless pid ${keyless.process.pid} on CPU ${keylessCpus}, ${keyless.httpsUrl}`);
    const before = await fetchCheckedToken(keyless, SCOPE);
    log(`endpoint warm-up ${settings.warmupSeconds} s …`);
    await measureEndpoint(processes, keyless, settings.warmupSeconds);
    const rounds: Figures["rounds"] = [];
    for (let round = 0; round < settings.rounds; round++) {
      const endpointFirst = round % 2 === 1;
      let baseline: BaselineResult | undefined;
      let endpoint: EndpointRun | undefined;
      for (const step of endpointFirst ? ["endpoint", "baseline"] : ["baseline", "endpoint"]) {
        log(`round ${round + 1}/${settings.rounds}: ${step} …`);
        if (step === "baseline") baseline = await measureBaseline(processes, before);
        else endpoint = await measureEndpoint(processes, keyless, settings.seconds);
      }
      rounds.push({ baseline: baseline!, endpoint: endpoint!, endpointFirst });
    }
    const after = await fetchCheckedToken(keyless, SCOPE);
    return {
      date: new Date().toISOString(),
      machine: describeMachine(),
      settings,
      scope: SCOPE,
      keylessCpus,
      rounds,
      tokens: { before, after },
    };
  } finally {
    const exit = await processes.stop(keyless.process);
    // SIGTERM drains and exits 0; anything else means Keyless failed along the way.
    if (exit !== 0)
      process.stderr.write(`keyless exited with ${exit}:\n${keyless.process.output()}\n`);
  }
}

async function main(processes: PinnedProcesses): Promise<void> {
  checkTools();
  build();
  const dataDir = mkdtempSync(join(tmpdir(), "keyless-bench-"));
  let figures: Figures;
  try {
    figures = await measure(processes, dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  log("\n" + renderTable(figures));
  if (!flags["no-write"]) {
    const file = join(repoRoot, "bench", "RESULTS.md");
    writeResultsSection(file, "token-endpoint", renderMarkdown(figures));
    log(`\nwritten to ${file}`);
  }
}

const processes = new PinnedProcesses();
const interrupt = (signal: NodeJS.Signals) => {
  process.stderr.write(`${signal}: stopping every process this benchmark started\n`);
  void processes.stopAll().finally(() => process.exit(130));
};
process.once("SIGINT", interrupt);
process.once("SIGTERM", interrupt);
try {
  await main(processes);
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(`bench:token failed: ${(error as Error).stack ?? String(error)}\n`);
} finally {
  await processes.stopAll();
}
