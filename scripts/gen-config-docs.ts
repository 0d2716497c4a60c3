/**
 * Writes docs/configuration.md from the configuration schema; `--check` fails when the file
 * has drifted from the schema (run by `npm run lint`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configSchema } from "../src/config/index.js";

const target = join(import.meta.dirname, "..", "docs", "configuration.md");

function render(): string {
  const rows = Object.entries(configSchema).map(([name, setting]) => {
    const fallback = setting.default;
    const shown =
      fallback === undefined
        ? "—"
        : Array.isArray(fallback)
          ? fallback.length
            ? fallback.join(",")
            : "—"
          : String(fallback);
    return `| \`${setting.env}\` | \`${name}\` | ${shown === "—" ? shown : `\`${shown}\``} | ${setting.description} |`;
  });
  return [
    "# Configuration",
    "",
    "<!-- Generated from src/config/schema.ts by `npm run docs:config`. Do not edit by hand. -->",
    "",
    "Precedence: defaults < configuration file (`--config file.json` or `KEYLESS_CONFIG`, keys as in the",
    "second column) < environment variables < command-line flags (`keyless start --https-port`,",
    "`--http-port`, `--mode`, `--data-dir`).",
    "",
    "| variable | file key | default | meaning |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

const wanted = render();
if (process.argv.includes("--check")) {
  const current = readFileSync(target, "utf8");
  if (current !== wanted) {
    process.stderr.write("docs/configuration.md is out of date: run `npm run docs:config`\n");
    process.exit(1);
  }
} else {
  writeFileSync(target, wanted);
}
