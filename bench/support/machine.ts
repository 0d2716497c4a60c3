import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Machine {
  /** `nproc`: the CPUs this process may use. */
  nproc: number;
  cpuModel: string;
  node: string;
}

export function describeMachine(): Machine {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    cpuModel: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown",
    node: process.version,
  };
}
