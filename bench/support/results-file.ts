import { existsSync, readFileSync, writeFileSync } from "node:fs";

const HEADER =
  "# Benchmark results\n\n" +
  "Each section is written by its benchmark (`npm run bench:*`), which replaces only the text\n" +
  "between its own markers. Figures are from one run on the machine named in the section.\n";

/**
 * Writes one benchmark's section of `bench/RESULTS.md`, between
 * `<!-- name:start -->` and `<!-- name:end -->`, leaving every other section as it is.
 */
export function writeResultsSection(file: string, name: string, markdown: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, "utf8") : HEADER;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + section + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}
