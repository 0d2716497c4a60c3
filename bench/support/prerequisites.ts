import { execFileSync } from "node:child_process";

/** A command a benchmark runs, and the Debian package that brings it. */
export interface RequiredTool {
  tool: string;
  install: string;
}

/** What every wrk benchmark needs: wrk itself, and taskset to pin the processes under test. */
export const PINNED_LOAD_TOOLS: readonly RequiredTool[] = [
  { tool: "/usr/bin/taskset", install: "util-linux" },
  { tool: "wrk", install: "wrk" },
];

/** Fails with the package to install when a tool is not on the PATH (or at its path). */
export function requireTools(tools: readonly RequiredTool[]): void {
  for (const { tool, install } of tools) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      throw new Error(`${tool} is missing: apt-get install -y ${install}`);
    }
  }
}

/** `npm run build`: the benchmarks start Keyless from a fresh `dist/`. */
export function buildDist(repoRoot: string, log: (line: string) => void): void {
  log("building dist/ …");
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, stdio: "inherit" });
}
