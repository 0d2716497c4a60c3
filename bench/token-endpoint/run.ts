/**
 * `npm run bench:token`: client-credentials tokens per second from Keyless's v2 token endpoint
 * against the raw RS256 signing rate and against the Node HTTPS floor (a minimal `node:https`
 * token endpoint, https-floor.ts), all measured in the same run with the same CPU budget.
 *
 * Pinning (taskset, read back from /proc/PID/status): Keyless, the floor and the baseline run
 * on the server CPU(s) (default core 0), one at a time; wrk runs on the load CPU(s) (default
 * core 1), so the load generator never takes the server's CPU. taskset pins before it execs,
 * so libuv's signing threads inherit the pinning.
 *
 * Steps: build dist/ → start Keyless (own data folder, SQLite, own CA) → one token over
 * verified TLS, decoded and checked against JWKS → start the floor with Keyless's certificate
 * and that token's claims, check one of its tokens → wrk warm-up of each → rounds, each a
 * baseline, a floor and a Keyless run in alternating order (R→F→K, K→F→R, so drift in the
 * machine's load hits all alike) → another checked token from each → stop both → tables and
 * bench/RESULTS.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
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
import { parseCpuList, startCpuWindow } from "../support/process-cpu.js";
import { writeResultsSection } from "../support/results-file.js";
import { fetchCheckedToken, type CheckedToken } from "./checked-token.js";
import {
  floorTokenCheck,
  floorTokenUrl,
  startFloor,
  type FloorUnderTest,
} from "./https-floor-under-test.js";
import {
  keylessTokenCheck,
  startKeyless,
  tokenRequestBody,
  tokenUrl,
} from "./keyless-under-test.js";
import {
  renderMarkdown,
  renderTable,
  type Contestant,
  type EndpointRun,
  type Figures,
} from "./report.js";
import type { BaselineInput, BaselineResult } from "./sign-baseline.js";
import { runWrk } from "../support/wrk.js";

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

function build(): void {
  if (!flags["no-build"]) buildDist(repoRoot, log);
}

/** One wrk run against `url`, with the server's CPU time over it. */
async function measureServer(
  processes: PinnedProcesses,
  server: PinnedProcess,
  url: string,
  body: string,
  seconds: number,
): Promise<EndpointRun> {
  const endWindow = startCpuWindow(server.pid, parseCpuList(settings.serverCpus));
  const wrk = await runWrk(processes, {
    url,
    body,
    contentType: "application/x-www-form-urlencoded",
    connections: settings.connections,
    seconds,
    cpus: settings.loadCpus,
  });
  const window = endWindow();
  if (wrk.notOk > 0)
    throw new Error(`${server.name}: ${wrk.notOk} non-200 responses of ${wrk.requests}`);
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

const ORDER: Contestant[] = ["baseline", "floor", "keyless"];

/** The floor must answer as Keyless does, or it is not the floor of the same endpoint. */
function checkSameShape(keyless: CheckedToken, floor: CheckedToken): void {
  const keys = (token: CheckedToken) => token.responseKeys.join(", ");
  if (keys(floor) !== keys(keyless))
    throw new Error(`the floor answered {${keys(floor)}}, Keyless {${keys(keyless)}}`);
  if (Math.abs(floor.payloadBytes - keyless.payloadBytes) > 8)
    throw new Error(
      `the floor's payload is ${floor.payloadBytes} bytes, Keyless's ${keyless.payloadBytes}`,
    );
}

/** Stops a server by its PID; SIGTERM drains and exits 0, anything else means it failed. */
async function stopServer(processes: PinnedProcesses, server: PinnedProcess): Promise<void> {
  const exit = await processes.stop(server);
  if (exit !== 0) process.stderr.write(`${server.name} exited with ${exit}:\n${server.output()}\n`);
}

async function measure(processes: PinnedProcesses, dataDir: string): Promise<Figures> {
  const nodeArgs = flags["keyless-node-args"].split(" ").filter(Boolean);
  const keyless = await startKeyless(processes, settings.serverCpus, repoRoot, dataDir, nodeArgs);
  let started: FloorUnderTest | undefined;
  try {
    const keylessCpus = keyless.process.allowedCpus();
    log(`Keyless pid ${keyless.process.pid} on CPU ${keylessCpus}, ${keyless.httpsUrl}`);
    const keylessCheck = keylessTokenCheck(keyless, SCOPE);
    const keylessBefore = await fetchCheckedToken(keylessCheck);
    const floor = (started = await startFloor(processes, settings.serverCpus, {
      claims: keylessBefore.claims,
      kid: String(keylessBefore.header.kid),
      ...keyless.serverTls,
    }));
    const floorCpus = floor.process.allowedCpus();
    log(`HTTPS floor pid ${floor.process.pid} on CPU ${floorCpus}, ${floor.httpsUrl}`);
    const floorCheck = floorTokenCheck(floor, keyless, SCOPE);
    const floorBefore = await fetchCheckedToken(floorCheck);
    checkSameShape(keylessBefore, floorBefore);

    const body = tokenRequestBody(keyless, SCOPE);
    const run = {
      keyless: (seconds: number) =>
        measureServer(processes, keyless.process, tokenUrl(keyless), body, seconds),
      floor: (seconds: number) =>
        measureServer(processes, floor.process, floorTokenUrl(floor, keyless), body, seconds),
    };
    log(`warm-up ${settings.warmupSeconds} s each: Keyless, floor …`);
    await run.keyless(settings.warmupSeconds);
    await run.floor(settings.warmupSeconds);
    const rounds: Figures["rounds"] = [];
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? ORDER : [...ORDER].reverse();
      const measured: Partial<Figures["rounds"][number]> = { order };
      for (const step of order) {
        log(`round ${round + 1}/${settings.rounds}: ${step} …`);
        if (step === "baseline")
          measured.baseline = await measureBaseline(processes, keylessBefore);
        else measured[step] = await run[step](settings.seconds);
      }
      rounds.push(measured as Figures["rounds"][number]);
    }
    const tokens = {
      keyless: { before: keylessBefore, after: await fetchCheckedToken(keylessCheck) },
      floor: { before: floorBefore, after: await fetchCheckedToken(floorCheck) },
    };
    return {
      date: new Date().toISOString(),
      machine: describeMachine(),
      settings,
      scope: SCOPE,
      keylessCpus,
      floorCpus,
      rounds,
      tokens,
    };
  } finally {
    if (started) await stopServer(processes, started.process);
    await stopServer(processes, keyless.process);
  }
}

async function main(processes: PinnedProcesses): Promise<void> {
  requireTools(PINNED_LOAD_TOOLS);
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

await runBenchmark("bench:token", main);
