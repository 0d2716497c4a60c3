/**
 * Runs every test with Node's test runner. Before that it creates one local CA and points
 * NODE_EXTRA_CA_CERTS at it (Node reads that variable only at process start), so the Keyless
 * instances the tests start serve certificates the official clients trust, over real TLS.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ensureLocalCertificates } from "../src/tls/index.js";

function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith(".test.ts") ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = ["src", "test"]
  .flatMap(findTests)
  .map((file) => relative(process.cwd(), file))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

const caDir = mkdtempSync(join(tmpdir(), "keyless-test-ca-"));
const { caPath } = await ensureLocalCertificates(caDir, []);

// Nothing inherited may send a credential anywhere but loopback: drop Azure SDK variables and
// aim any managed-identity lookup a test forgets to configure at a closed loopback port.
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !/^(AZURE_|IDENTITY_|MSI_|IMDS_|KEYLESS_)/.test(name),
  ),
);
Object.assign(env, {
  NODE_EXTRA_CA_CERTS: caPath,
  KEYLESS_TEST_CA_DIR: caDir,
  AZURE_POD_IDENTITY_AUTHORITY_HOST: "http://127.0.0.1:9",
});

const child = spawn(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", ...files],
  { stdio: "inherit", env },
);
child.on("exit", (code, signal) => {
  rmSync(caDir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
