/**
 * `npm run bench:authz`: latency of `decide()` at 1k, 10k, 100k and 1M role assignments with
 * 10,000 groups, for allowed and denied requests at deployment scope, against a `Map.get`
 * baseline measured in the same run; heap used by the index. Prints a table and writes the
 * `authz` section of bench/RESULTS.md (flags: `--sizes=1000,10000`, `--no-write`).
 *
 * Runs in this process, with `--expose-gc` (the npm script passes it), in a few minutes.
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { decide, type AccessRequest } from "../../src/authz/index.js";
import { describeMachine } from "../support/machine.js";
import { startCpuWindow } from "../support/process-cpu.js";
import { writeResultsSection } from "../support/results-file.js";
import { printTable, renderMarkdown, type Figures, type SizeFigures } from "./report.js";
import { buildWorld, CHAT, type World } from "./synthetic-world.js";
import { DEFAULT_PLAN, sinkValue, timeOperation, type TimingPlan } from "./timing.js";

const GROUPS = 10_000;
const FRESH_PLAN: TimingPlan = { ...DEFAULT_PLAN, batches: 1_000, warmupBatches: 100 };

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

const collectGarbage = (globalThis as { gc?: () => void }).gc;
function heapAfterGc(): number {
  collectGarbage!();
  collectGarbage!();
  return process.memoryUsage().heapUsed;
}

const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** Requests with the same content as `requests` but new string objects (action excepted: it is a constant of the route table). */
function freshCopies(requests: AccessRequest[], count: number): AccessRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    ...(JSON.parse(JSON.stringify(requests[i % requests.length])) as AccessRequest),
    action: CHAT,
  }));
}

/** Eight requests cycled: a gateway's busy callers, whose facts stay in the CPU caches. */
const BUSY_CALLERS = 8;

function timeDecisions(
  world: World,
): Pick<SizeFigures, "allowed" | "denied" | "deniedBusy" | "allowedFreshStrings"> {
  const { index, allowed, denied } = world;
  const decideEach = (requests: AccessRequest[]) => (i: number) =>
    decide(requests[i]!, index).allowed ? 1 : 0;
  const fresh = freshCopies(
    allowed,
    (FRESH_PLAN.batches + FRESH_PLAN.warmupBatches) * FRESH_PLAN.batchSize,
  );
  return {
    allowed: timeOperation(decideEach(allowed), allowed.length),
    denied: timeOperation(decideEach(denied), denied.length),
    deniedBusy: timeOperation(decideEach(denied), BUSY_CALLERS),
    allowedFreshStrings: timeOperation(decideEach(fresh), fresh.length, FRESH_PLAN),
  };
}

function timeBaselines(size: number): Pick<SizeFigures, "emptyLoop" | "mapLookup"> {
  const keys = Array.from(
    { length: size },
    (_, i) =>
      `${i.toString(16).padStart(8, "0")}-0000-4000-8000-${(i * 2654435761).toString(16).padStart(12, "0").slice(-12)}`,
  );
  const map = new Map(keys.map((key, i) => [key, i]));
  const probes = Array.from({ length: 1000 }, (_, i) => keys[Math.floor((i * size) / 1000)]!);
  return {
    emptyLoop: timeOperation((i) => i, probes.length),
    mapLookup: timeOperation((i) => map.get(probes[i]!) ?? 0, probes.length),
  };
}

function measureSize(assignments: number, heapBase: number): SizeFigures {
  const started = performance.now();
  let world: World | undefined = buildWorld({
    assignments,
    groups: GROUPS,
    subscriptions: 20,
    resourceGroupsPerSubscription: 5,
    accountsPerResourceGroup: 4,
    deploymentsPerAccount: 5,
    requests: 1_000,
  });
  const buildSeconds = (performance.now() - started) / 1000;
  const heapBytes = heapAfterGc() - heapBase;
  const decisions = timeDecisions(world);
  const figures: SizeFigures = {
    assignments,
    users: world.users,
    groups: GROUPS,
    scopes: world.scopes,
    meanGroupsPerRequest: world.meanGroupsPerRequest,
    meanHoldingPrincipals: world.meanHoldingPrincipals,
    meanApplicableAssignments: world.meanApplicableAssignments,
    buildSeconds,
    heapBytes,
    ...decisions,
    ...timeBaselines(assignments),
  };
  world = undefined; // let the next size start from the same heap
  return figures;
}

async function main(): Promise<void> {
  if (!collectGarbage) throw new Error("run with node --expose-gc (npm run bench:authz does)");
  const sizes = (flag("sizes") ?? "1000,10000,100000,1000000").split(",").map(Number);
  const before = loadAverage();
  const stopWindow = startCpuWindow(
    process.pid,
    cpus().map((_, i) => i),
  );
  const heapBase = heapAfterGc();
  const results: SizeFigures[] = [];
  for (const size of sizes) {
    console.log(`${size} assignments…`);
    results.push(measureSize(size, heapBase));
  }
  const window = stopWindow();
  const figures: Figures = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    loadAverage: { before, after: loadAverage() },
    othersShare: window.otherCpuSeconds / (window.seconds * cpus().length),
    batchSize: DEFAULT_PLAN.batchSize,
    sizes: results,
  };
  printTable(figures);
  if (sinkValue() < 0) console.log("unreachable"); // keeps every timed result observable
  if (!process.argv.includes("--no-write")) {
    writeResultsSection(
      join(import.meta.dirname, "..", "RESULTS.md"),
      "authz",
      renderMarkdown(figures),
    );
    console.log("wrote the authz section of bench/RESULTS.md");
  }
}

await main();
