/**
 * STYLE rule 6 and 14: `decide` is a pure function. Everything it imports, transitively, imports
 * nothing but other files of src/authz (no Node built-ins, no packages) and reads no clock,
 * randomness, environment or timers.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";

const authz = join(import.meta.dirname, "..", "..", "src", "authz");

function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);
}

function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importsOf(file)) {
      assert.ok(spec.startsWith("./"), `${relative(authz, file)} imports '${spec}'`);
      pending.push(join(dirname(file), spec.replace(/\.js$/, ".ts")));
    }
  }
  return seen;
}

test("decide and everything it imports stay inside src/authz and do no IO", () => {
  const files = closure(join(authz, "decide.ts"));
  assert.ok(files.size >= 5, [...files].join(", "));
  const impure =
    /\b(Date|Math\.random|process\.|performance\.|setTimeout|setInterval|crypto|fetch|require)\b/;
  for (const file of files) {
    const code = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    assert.doesNotMatch(code, impure, relative(authz, file));
  }
});
