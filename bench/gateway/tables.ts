/** The tables of a run, as text for the console and as Markdown for RESULTS.md. */
import {
  all,
  CONTESTANTS,
  cpuCount,
  cpuPerRequest,
  NAMES,
  streamed,
  summarise,
  type Contestant,
  type Figures,
  type Load,
} from "./figures.js";

export const int = (value: number) => value.toFixed(0);
export const times = (value: number) => `${value.toFixed(2)}×`;
export const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
export const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
export const signedMs = (us: number) => {
  const text = (Math.abs(us) / 1000).toFixed(2);
  return `${us < 0 && Number(text) !== 0 ? "−" : "+"}${text} ms`;
};
const label = (name: Contestant) => `${NAMES[name].letter} ${NAMES[name].name}`;

export interface Table {
  headings: string[];
  rows: string[][];
}

export function throughputTable(figures: Figures): Table {
  const s = all(figures, "throughput");
  return {
    headings: [
      "contestant",
      "req/s",
      "÷ B",
      "CPU/req (proxy + upstream)",
      "÷ B by CPU",
      "p50 / p99",
      "others / idle (server CPU)",
    ],
    rows: CONTESTANTS.map((name) => [
      label(name),
      int(s[name].rate),
      times(s[name].rate / s.node.rate),
      `${int(s[name].proxyUs)} + ${int(s[name].upstreamUs)} µs`,
      times(cpuPerRequest(s.node) / cpuPerRequest(s[name])),
      `${ms(s[name].p50)} / ${ms(s[name].p99)}`,
      `${percent(s[name].others)} / ${percent(s[name].idle)}`,
    ]),
  };
}

export function latencyTable(figures: Figures): Table {
  const s = all(figures, "latency");
  return {
    headings: ["contestant", "p50", "p90", "p99", "p99.9", "p50 − A", "p99 − A", "req/s"],
    rows: CONTESTANTS.map((name) => [
      label(name),
      ms(s[name].p50),
      ms(s[name].p90),
      ms(s[name].p99),
      ms(s[name].p999),
      signedMs(s[name].p50 - s.direct.p50),
      signedMs(s[name].p99 - s.direct.p99),
      int(s[name].rate),
    ]),
  };
}

export function roundsTable(figures: Figures): Table {
  const count = cpuCount(figures);
  const rows = figures.rounds.map((round, index) => {
    const one = (load: Load, name: Contestant) => summarise([round], load, name, count);
    const e = one("throughput", "keylessToken").rate;
    const b = one("throughput", "node").rate;
    const addedE = one("latency", "keylessToken").p50 - one("latency", "direct").p50;
    const addedB = one("latency", "node").p50 - one("latency", "direct").p50;
    return [
      `${index + 1} (${round.order.map((name) => NAMES[name].letter).join("→")})`,
      CONTESTANTS.map((name) => int(one("throughput", name).rate)).join(" / "),
      times(e / b),
      times(
        cpuPerRequest(one("throughput", "node")) / cpuPerRequest(one("throughput", "keylessToken")),
      ),
      CONTESTANTS.map((name) => ms(one("latency", name).p50)).join(" / "),
      times(addedE / addedB),
      CONTESTANTS.map((name) => percent(one("throughput", name).others)).join(" / "),
    ];
  });
  return {
    headings: [
      "round",
      `req/s at ${figures.settings.connections} (A/B/C/D/E)`,
      "E ÷ B",
      "E ÷ B by CPU",
      "p50 at 1 (A/B/C/D/E)",
      "(E−A) ÷ (B−A)",
      "others on server CPU",
    ],
    rows,
  };
}

export function streamTable(figures: Figures): Table {
  const s = streamed(figures);
  return {
    headings: [
      "contestant",
      "first chunk p50",
      "p90",
      "p99",
      "p50 − A",
      "p50 − B",
      "whole stream p50",
      "n",
    ],
    rows: CONTESTANTS.map((name) => [
      label(name),
      ms(s[name].p50 * 1000),
      ms(s[name].p90 * 1000),
      ms(s[name].p99 * 1000),
      signedMs((s[name].p50 - s.direct.p50) * 1000),
      signedMs((s[name].p50 - s.node.p50) * 1000),
      ms(s[name].completeP50 * 1000),
      String(s[name].n),
    ]),
  };
}

export function textTable(table: Table): string[] {
  const body = [table.headings, ...table.rows];
  const widths = table.headings.map((_, column) => Math.max(...body.map((r) => r[column]!.length)));
  return body.map((r) =>
    r
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!),
      )
      .join("  "),
  );
}

export function markdownTable(table: Table): string {
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [
    line(table.headings),
    line(table.headings.map((_, column) => (column === 0 ? "---" : "---:"))),
    ...table.rows.map(line),
  ].join("\n");
}
