import { readFileSync } from "node:fs";
import { cpusBusySeconds, processCpuSeconds } from "../support/process-cpu.js";

/** CPU time on the server CPUs over one load run, split by who used it. */
export interface ServerWindow {
  seconds: number;
  /** The contestant's processes (every thread; nginx's master and worker). 0 for direct. */
  proxyCpuSeconds: number;
  /** The upstream, which shares the server CPUs with every contestant. */
  upstreamCpuSeconds: number;
  /** Anything else on those CPUs: other processes, interrupts, hypervisor steal. */
  otherCpuSeconds: number;
}

const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);

/** Starts measuring; the returned function ends the window. */
export function startServerWindow(
  proxyPids: number[],
  upstreamPid: number,
  cpus: number[],
): () => ServerWindow {
  const started = {
    wall: performance.now(),
    proxy: cpuOf(proxyPids),
    upstream: processCpuSeconds(upstreamPid),
    busy: cpusBusySeconds(cpus),
  };
  return () => {
    const proxy = cpuOf(proxyPids) - started.proxy;
    const upstream = processCpuSeconds(upstreamPid) - started.upstream;
    return {
      seconds: (performance.now() - started.wall) / 1000,
      proxyCpuSeconds: proxy,
      upstreamCpuSeconds: upstream,
      otherCpuSeconds: Math.max(0, cpusBusySeconds(cpus) - started.busy - proxy - upstream),
    };
  };
}

/** The CPUs the kernel lets `pid` run on (`Cpus_allowed_list`): proof of the pinning. */
export function allowedCpus(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return status.match(/^Cpus_allowed_list:\s*(\S+)/m)?.[1] ?? "unknown";
}
