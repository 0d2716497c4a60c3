/** The module boundaries of docs/architecture.md, enforced. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { test } from "node:test";

const src = join(import.meta.dirname, "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

const files = sourceFiles(src).map((path) => ({
  path: relative(src, path).split(sep).join("/"),
  imports: [
    ...readFileSync(path, "utf8").matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gms),
  ].map((m) => m[1]!),
}));
const partOf = (path: string): string | undefined =>
  path.includes("/") ? path.split("/")[0] : undefined;

test("only storage/ talks SQL", () => {
  const offenders = files.filter(
    (file) =>
      partOf(file.path) !== "storage" &&
      file.imports.some((spec) => spec === "pg" || spec === "better-sqlite3"),
  );
  assert.deepEqual(
    offenders.map((file) => file.path),
    [],
  );
});

test("parts import each other only through index.ts", () => {
  const offenders = files.flatMap((file) =>
    file.imports
      .filter((spec) => spec.startsWith("."))
      .map((spec) => new URL(spec, `file:///src/${file.path}`).pathname.slice("/src/".length))
      .filter(
        (target) =>
          partOf(target) &&
          partOf(target) !== partOf(file.path) &&
          !/^[a-z-]+\/index\.js$/.test(target),
      )
      .map((target) => `${file.path} -> ${target}`),
  );
  assert.deepEqual(offenders, []);
});

test("the web framework stays at the HTTP edge", () => {
  const edge = (path: string) =>
    path.endsWith("/routes.ts") ||
    path.startsWith("http/") ||
    ["server.ts", "start.ts"].includes(path);
  const offenders = files.filter(
    (file) => !edge(file.path) && file.imports.some((spec) => spec === "fastify"),
  );
  assert.deepEqual(
    offenders.map((file) => file.path),
    [],
  );
});

test("no module reads process.env except the entry point", () => {
  const offenders = files.filter(
    (file) =>
      file.path !== "main.ts" && /process\.env/.test(readFileSync(join(src, file.path), "utf8")),
  );
  assert.deepEqual(
    offenders.map((file) => file.path),
    [],
  );
});
