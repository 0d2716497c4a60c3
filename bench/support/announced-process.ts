import type { PinnedProcess, PinnedProcesses } from "./pinned-processes.js";

/**
 * Starts a pinned child and waits (at most `timeoutMs`) until it prints `pattern`; returns the
 * process and the first capture group. Fails with the child's output if it exits or is late.
 */
export async function startAnnounced(
  processes: PinnedProcesses,
  name: string,
  cpus: string,
  command: string,
  args: string[],
  pattern: RegExp,
  env?: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<{ process: PinnedProcess; announced: string }> {
  const child = processes.start(name, cpus, command, args, env);
  const deadline = Date.now() + timeoutMs;
  let match: RegExpMatchArray | null;
  while (!(match = child.output().match(pattern))) {
    if (child.child.exitCode !== null)
      throw new Error(`${name} exited with ${child.child.exitCode}:\n${child.output()}`);
    if (Date.now() > deadline)
      throw new Error(`${name} did not start in ${timeoutMs / 1000} s:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { process: child, announced: match[1]! };
}

/** A child written in TypeScript (`file`, a URL), started through tsx. */
export async function startTsChild<T>(
  processes: PinnedProcesses,
  name: string,
  cpus: string,
  file: URL,
  input: unknown,
  tag: string,
): Promise<{ process: PinnedProcess; listening: T }> {
  const { process: child, announced } = await startAnnounced(
    processes,
    name,
    cpus,
    process.execPath,
    ["--import", "tsx", file.pathname, JSON.stringify(input)],
    new RegExp(`^${tag} (\\{.*\\})$`, "m"),
  );
  return { process: child, listening: JSON.parse(announced) as T };
}
