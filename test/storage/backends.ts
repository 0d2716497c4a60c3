/**
 * The two databases every storage conformance suite runs against (STYLE rule 8). PostgreSQL
 * is not optional: when it is unreachable its half fails, it is never skipped.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";
import type { StorageOptions } from "../../src/storage/index.js";

export const POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

export interface Backend {
  name: string;
  /** Options for a new, empty database. */
  freshOptions(): StorageOptions;
  /** Removes the database `freshOptions` described. */
  discard(options: StorageOptions): Promise<void>;
  /** SQLite runs every statement on one connection: statements outside a transaction wait for it. */
  oneConnection: boolean;
}

export const sqlite: Backend = {
  name: "SQLite",
  freshOptions: () => ({
    sqlitePath: join(mkdtempSync(join(tmpdir(), "keyless-conformance-")), "keyless.db"),
  }),
  discard: async (options) => {
    if (options.sqlitePath) rmSync(dirname(options.sqlitePath), { recursive: true, force: true });
  },
  oneConnection: true,
};

export const postgres: Backend = {
  name: "PostgreSQL",
  freshOptions: () => ({
    databaseUrl: POSTGRES_URL,
    schema: `kl_conf_${randomBytes(6).toString("hex")}`,
  }),
  discard: async (options) => {
    const client = new pg.Client(POSTGRES_URL);
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${options.schema} CASCADE`);
    } finally {
      await client.end();
    }
  },
  oneConnection: false,
};

export const backends: readonly Backend[] = [sqlite, postgres];
