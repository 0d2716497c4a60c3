import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";

const TASKSET = "/usr/bin/taskset";

export interface PinnedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** The CPUs the kernel lets it run on (`Cpus_allowed_list`), read back to prove the pinning. */
  allowedCpus(): string;
  /** Resolves with the exit code (null after a signal) once it has exited. */
  exited: Promise<number | null>;
}

/**
 * Every process a benchmark starts, each pinned with `taskset --cpu-list` (which execs the
 * command, so the PID we hold is the process itself). `stopAll` ends each by its own PID:
 * never by name, so nothing else on the machine is touched.
 */
export class PinnedProcesses {
  private readonly running = new Set<PinnedProcess>();

  start(
    name: string,
    cpus: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): PinnedProcess {
    const child = spawn(TASKSET, ["--cpu-list", cpus, command, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    const started: PinnedProcess = {
      name,
      pid: child.pid,
      child,
      output: () => output,
      allowedCpus: () => allowedCpus(child.pid!),
      exited,
    };
    this.running.add(started);
    void exited.then(() => this.running.delete(started));
    return started;
  }

  /** Runs to completion; fails with its output if it exits non-zero. */
  async run(name: string, cpus: string, command: string, args: string[], env?: NodeJS.ProcessEnv) {
    const finished = this.start(name, cpus, command, args, env);
    const code = await finished.exited;
    if (code !== 0) throw new Error(`${name} exited with ${code}:\n${finished.output()}`);
    return finished.output();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  async stop(target: PinnedProcess, graceMs = 10_000): Promise<number | null> {
    if (target.child.exitCode !== null || target.child.signalCode !== null) return target.exited;
    const exited = once(target.child, "exit");
    target.child.kill("SIGTERM");
    const timer = setTimeout(() => target.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    return target.exited;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((target) => this.stop(target)));
  }
}

function allowedCpus(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return status.match(/^Cpus_allowed_list:\s*(\S+)/m)?.[1] ?? "unknown";
}

/**
 * Runs a benchmark's `main` with the processes it starts, and stops every one of them by its
 * own PID however `main` ends: returning, failing, or interrupted by SIGINT/SIGTERM.
 */
export async function runBenchmark(
  name: string,
  main: (processes: PinnedProcesses) => Promise<void>,
): Promise<void> {
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
    process.stderr.write(`${name} failed: ${(error as Error).stack ?? String(error)}\n`);
  } finally {
    await processes.stopAll();
  }
}
