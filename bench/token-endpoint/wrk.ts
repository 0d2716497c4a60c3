import { join } from "node:path";
import type { PinnedProcesses } from "../support/pinned-processes.js";

export interface WrkResult {
  durationUs: number;
  requests: number;
  ok: number;
  notOk: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  latencyUs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Where wrk ran (`Cpus_allowed_list`). */
  cpus: string;
}

export interface WrkOptions {
  url: string;
  body: string;
  connections: number;
  seconds: number;
  cpus: string;
}

/** One bounded wrk run (1 thread, fixed connections and duration) with wrk-token.lua. */
export async function runWrk(processes: PinnedProcesses, options: WrkOptions): Promise<WrkResult> {
  const script = join(import.meta.dirname, "wrk-token.lua");
  const wrk = processes.start("wrk", options.cpus, "wrk", [
    "--threads",
    "1",
    "--connections",
    String(options.connections),
    "--duration",
    `${options.seconds}s`,
    "--timeout",
    "10s",
    "--script",
    script,
    options.url,
    "--",
    options.body,
  ]);
  // taskset pins itself before it execs wrk: read the affinity once it surely has.
  await new Promise((resolve) => setTimeout(resolve, Math.min(1000, options.seconds * 500)));
  const cpus = wrk.child.exitCode === null ? wrk.allowedCpus() : "exited";
  const code = await wrk.exited;
  const line = wrk.output().match(/^WRK (\{.*\})$/m);
  if (code !== 0 || !line) throw new Error(`wrk exited with ${code}:\n${wrk.output()}`);
  return { ...(JSON.parse(line[1]!) as Omit<WrkResult, "cpus">), cpus };
}
