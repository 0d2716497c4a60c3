import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { PinnedProcesses } from "./pinned-processes.js";

export interface WrkResult {
  durationUs: number;
  requests: number;
  ok: number;
  notOk: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  latencyUs: {
    p50: number;
    p90: number;
    p99: number;
    p999: number;
    max: number;
    mean: number;
    stdev: number;
  };
  /** Where wrk ran (`Cpus_allowed_list`). */
  cpus: string;
}

export interface WrkOptions {
  url: string;
  body: string;
  contentType: string;
  /** The header that carries the credential, if any. */
  credential?: { name: string; value: string };
  connections: number;
  seconds: number;
  cpus: string;
}

/** `wrk debian/4.1.0-3+b2 [epoll] …` → `4.1.0`. */
export function wrkVersion(): string {
  let text: string;
  try {
    text = execFileSync("wrk", ["-v"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    // wrk -v prints its version, then its usage, and exits 1.
    text = String((error as { stdout?: unknown }).stdout ?? "");
  }
  return text.match(/wrk\s+(?:\S+\/)?(\d+\.\d+\.\d+)/)?.[1] ?? "unknown";
}

/** One bounded wrk run (1 thread, fixed connections and duration) POSTing one body. */
export async function runWrk(processes: PinnedProcesses, options: WrkOptions): Promise<WrkResult> {
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
    join(import.meta.dirname, "wrk-post.lua"),
    options.url,
    "--",
    options.body,
    options.contentType,
    options.credential?.name ?? "",
    options.credential?.value ?? "",
  ]);
  // taskset pins itself before it execs wrk: read the affinity once it surely has.
  await new Promise((resolve) => setTimeout(resolve, Math.min(1000, options.seconds * 500)));
  const cpus = wrk.child.exitCode === null ? wrk.allowedCpus() : "exited";
  // wrk stops itself after --duration; this bounds a wrk that hangs on a dead server.
  const timer = setTimeout(() => void processes.stop(wrk, 1000), (options.seconds + 20) * 1000);
  const code = await wrk.exited;
  clearTimeout(timer);
  const line = wrk.output().match(/^WRK (\{.*\})$/m);
  if (code !== 0 || !line) throw new Error(`wrk exited with ${code}:\n${wrk.output()}`);
  return { ...(JSON.parse(line[1]!) as Omit<WrkResult, "cpus">), cpus };
}
