import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;
const clockTicks = () =>
  (ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()));

/**
 * CPU time (user + system, every thread) a process has used so far, from /proc/PID/stat.
 * On a shared machine wall-clock rates move with the neighbours' load; CPU seconds per
 * token do not, so benchmarks report both.
 */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces: state is
  // field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** `0`, `0-1`, `0,2-3` → [0], [0, 1], [0, 2, 3]. */
export function parseCpuList(list: string): number[] {
  return list.split(",").flatMap((range) => {
    const [from, to = from] = range.split("-").map(Number) as [number, number?];
    return Array.from({ length: to! - from + 1 }, (_, index) => from + index);
  });
}

/** Busy time (everything but idle and iowait) of the given CPUs so far, from /proc/stat. */
export function cpusBusySeconds(cpus: number[]): number {
  const lines = readFileSync("/proc/stat", "utf8").split("\n");
  let ticks = 0;
  for (const cpu of cpus) {
    const line = lines.find((candidate) => candidate.startsWith(`cpu${cpu} `));
    if (!line) throw new Error(`no cpu${cpu} in /proc/stat`);
    const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
    ticks += user! + nice! + system! + irq! + softirq! + steal!;
  }
  return ticks / clockTicks();
}

export interface CpuWindow {
  seconds: number;
  /** CPU time the measured process used in the window. */
  processCpuSeconds: number;
  /** CPU time its CPUs spent on anything else: other processes, interrupts, hypervisor steal. */
  otherCpuSeconds: number;
}

/** Starts measuring `pid` on `cpus`; the returned function ends the window. */
export function startCpuWindow(pid: number, cpus: number[]): () => CpuWindow {
  const started = {
    wall: performance.now(),
    process: processCpuSeconds(pid),
    busy: cpusBusySeconds(cpus),
  };
  return () => {
    const processCpu = processCpuSeconds(pid) - started.process;
    return {
      seconds: (performance.now() - started.wall) / 1000,
      processCpuSeconds: processCpu,
      otherCpuSeconds: Math.max(0, cpusBusySeconds(cpus) - started.busy - processCpu),
    };
  };
}
