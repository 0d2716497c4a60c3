import type { Machine } from "../support/machine.js";
import type { Latency } from "./timing.js";

/** The goal for `decide()`: p50 at most 2 µs, and flat from 1k to 1M assignments. */
export const GOAL_P50_NS = 2_000;

export interface SizeFigures {
  assignments: number;
  users: number;
  groups: number;
  scopes: number;
  meanGroupsPerRequest: number;
  meanHoldingPrincipals: number;
  meanApplicableAssignments: number;
  buildSeconds: number;
  /** Heap growth from building the index (after `gc()`), bytes. */
  heapBytes: number;
  /** Up to 1,000 distinct requests of each kind, cycled. */
  allowed: Latency;
  denied: Latency;
  /** The denied requests of 8 callers, cycled: data the CPU caches keep. */
  deniedBusy: Latency;
  /** Allowed requests whose scope, principal and group ids are fresh strings (as parsed). */
  allowedFreshStrings: Latency;
  emptyLoop: Latency;
  mapLookup: Latency;
}

export interface Figures {
  date: string;
  machine: Machine;
  loadAverage: { before: string; after: string };
  /** Share of the machine's CPUs busy with other work while timing. */
  othersShare: number;
  batchSize: number;
  sizes: SizeFigures[];
}

const ns = (value: number) =>
  value >= 10_000 ? `${(value / 1000).toFixed(1)} µs` : `${Math.round(value)} ns`;
const count = (value: number) =>
  value >= 1_000_000 ? `${value / 1_000_000}M` : value >= 1000 ? `${value / 1000}k` : String(value);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function rows(figures: Figures): string[][] {
  return figures.sizes.map((size) => [
    count(size.assignments),
    `${ns(size.allowed.p50)} / ${ns(size.allowed.p99)}`,
    `${ns(size.denied.p50)} / ${ns(size.denied.p99)}`,
    `${ns(size.deniedBusy.p50)} / ${ns(size.deniedBusy.p99)}`,
    `${ns(size.allowedFreshStrings.p50)} / ${ns(size.allowedFreshStrings.p99)}`,
    ns(size.mapLookup.p50),
    `${(size.allowed.p50 / size.mapLookup.p50).toFixed(1)}×`,
    `${(size.denied.p50 / size.mapLookup.p50).toFixed(1)}×`,
    ns(size.emptyLoop.p50),
    `${size.meanGroupsPerRequest.toFixed(1)} / ${size.meanHoldingPrincipals.toFixed(1)} / ${size.meanApplicableAssignments.toFixed(2)}`,
    `${size.buildSeconds.toFixed(1)} s`,
    `${mib(size.heapBytes)} (${Math.round(size.heapBytes / size.assignments)} B each)`,
  ]);
}

const HEADER = [
  "assignments",
  "allowed p50 / p99",
  "denied p50 / p99",
  "denied, 8 callers p50 / p99",
  "allowed, fresh strings p50 / p99",
  "Map.get p50",
  "allowed ÷ Map.get",
  "denied ÷ Map.get",
  "empty loop p50",
  "per request: groups / holding / applicable",
  "build",
  "heap",
];

function verdict(figures: Figures): string {
  const first = figures.sizes[0]!;
  const last = figures.sizes[figures.sizes.length - 1]!;
  const worst = (pick: (size: SizeFigures) => Latency) =>
    Math.max(...figures.sizes.map((size) => pick(size).p50));
  const met = (value: number) => (value <= GOAL_P50_NS ? "met" : "NOT met");
  const busy = worst((size) => size.deniedBusy);
  const cold = Math.max(
    worst((size) => size.allowed),
    worst((size) => size.denied),
  );
  return (
    `Goal p50 ≤ ${ns(GOAL_P50_NS)}: busy callers (facts in cache) worst p50 ${ns(busy)}, ` +
    `${met(busy)}; 1,000 distinct callers worst p50 ${ns(cold)}, ${met(cold)}. From ` +
    `${count(first.assignments)} to ${count(last.assignments)} the denied p50 grows ` +
    `${(last.denied.p50 / first.denied.p50).toFixed(1)}× (busy callers ` +
    `${(last.deniedBusy.p50 / first.deniedBusy.p50).toFixed(1)}×) and Map.get ` +
    `${(last.mapLookup.p50 / first.mapLookup.p50).toFixed(1)}×.`
  );
}

export function printTable(figures: Figures): void {
  const table = [HEADER, ...rows(figures)];
  const widths = HEADER.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  for (const row of table) console.log(row.map((cell, i) => cell.padStart(widths[i]!)).join("  "));
  console.log(verdict(figures));
}

/** The `authz` section of bench/RESULTS.md. */
export function renderMarkdown(figures: Figures): string {
  const { machine } = figures;
  const size100k = figures.sizes.find((size) => size.assignments === 100_000);
  return [
    "## authz",
    "",
    "Latency of `decide()` (`src/authz/decide.ts`) against an in-memory `AuthzIndex` holding",
    "1k to 1M role assignments, with 10,000 groups (`npm run bench:authz`).",
    "",
    `- Date: ${figures.date}`,
    `- Machine: \`nproc\` ${machine.nproc}, ${machine.cpuModel}, Node ${machine.node}`,
    `- Load average before / after: ${figures.loadAverage.before} / ${figures.loadAverage.after};` +
      ` other work took ${(figures.othersShare * 100).toFixed(0)}% of the CPUs while timing` +
      (figures.othersShare > 0.25 ? " (**a loaded machine: figures are pessimistic**)" : ""),
    "",
    "### Method",
    "",
    "- **World** (`synthetic-world.ts`, deterministic): 20 subscriptions × 5 resource groups × 4",
    "  AI Services accounts × 5 deployments; users = assignments ÷ 4 (at least 250); 10,000",
    "  groups, every fourth group from 100 on nested in another (chains up to four deep); each",
    "  request's user is directly in 2 to 6 groups. Assignments: 75% to users, 25% to groups; 10% at",
    "  a subscription, 20% at a resource group, 30% at an account, 40% at a deployment; roles",
    "  OpenAI User 30%, Reader 20%, Cognitive Services User 15%, Contributor, Cognitive Services",
    "  Contributor and a custom MaaS role 10% each, Owner 5%.",
    "- **Requests**: chat completions (a dataAction) at a deployment scope. *Allowed*: users",
    "  holding a data role, at a deployment at or below that assignment (each checked allowed).",
    "  *Denied*: random users at random deployments where nothing grants (each checked denied).",
    "  A decision reads the caller and each of its groups once and asks each one holding any",
    "  assignment about every ancestor scope, so denied is the full cost. Up to 1,000 requests",
    "  of each kind, cycled (distinct callers: their facts are mostly not in the CPU caches).",
    "  *8 callers*: the denied requests of 8 callers, cycled, as a gateway's busy callers are.",
    "- **Work per request** (not timed): groups of the caller, principals holding any",
    "  assignment, and assignments at the scope or above (the ones a decision evaluates).",
    "- **Strings**: a gateway keeps deployment records, so their scope strings are the same",
    "  objects on every request (V8 caches a string's hash). *Fresh strings* gives each",
    "  decision new copies of the scope, principal and group ids, as if parsed from the request",
    "  and token: hashing them is then part of the cost.",
    `- **Timing**: \`process.hrtime.bigint()\` around batches of ${figures.batchSize} decisions;`,
    "  each batch gives one per-decision figure (batch time ÷ batch size) and p50/p99 are over",
    "  batches (4,000 batches after 500 warm-up batches; 1,000 for fresh strings). Timer and",
    "  loop cost is the *empty loop* column; it is included in every figure.",
    "- **Baseline** in the same run: one `Map.get` of a GUID-shaped string key in a Map of as",
    "  many entries as there are assignments, timed the same way.",
    "- **Heap**: `process.memoryUsage().heapUsed` after `global.gc()`, before building and after,",
    "  with the index and the prepared requests alive.",
    "",
    "### Figures",
    "",
    `| ${HEADER.join(" | ")} |`,
    `| ${HEADER.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows(figures).map((row) => `| ${row.join(" | ")} |`),
    "",
    verdict(figures),
    "",
    "Reading the figures: a decision's work is bounded by the caller's groups and the scope",
    "depth, not by the number of assignments. It grows from 1k to 100k only because more of the",
    "caller's groups hold any assignment at all (the *per request* column) and stops growing",
    "once nearly all do. The time grows further because with 1,000 distinct callers and a heap",
    "of hundreds of MiB most reads miss the CPU caches and the TLB, which on this VM (see the load",
    "above) cost hundreds of ns each, and a decision makes a few dozen (the `Map.get` baseline",
    "makes one, on 1,000 entries that stay in cache). With busy callers, whose facts stay in",
    "cache, the same decisions stay near 1 µs.",
    ...(size100k
      ? [
          "",
          `Memory at 100k assignments: ${mib(size100k.heapBytes)} of heap, about ` +
            `${Math.round(size100k.heapBytes / size100k.assignments)} bytes per assignment (frozen` +
            " assignment copies; the index by principal and scope, by scope for listings and by name).",
        ]
      : []),
  ].join("\n");
}
