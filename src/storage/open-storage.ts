import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { DirectoryStore, SigningKeyStore } from "../identity/index.js";
import { CachedDirectoryStore } from "./cached-directory-store.js";
import { migrate } from "./migrations.js";
import { PostgresDb } from "./postgres-db.js";
import { SqlDirectoryStore } from "./sql-directory-store.js";
import type { SqlDb } from "./sql-db.js";
import { SqlSigningKeyStore } from "./sql-signing-key-store.js";
import { SqliteDb } from "./sqlite-db.js";

export interface Storage {
  readonly db: SqlDb;
  readonly directory: DirectoryStore;
  readonly signingKeys: SigningKeyStore;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** `postgres://…`; otherwise SQLite at `sqlitePath`. */
  databaseUrl?: string;
  sqlitePath?: string;
  /** PostgreSQL schema to use (created if missing); tests give each run its own. */
  schema?: string;
}

/** Opens the configured database and brings its schema up to date. */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  const db = await openDb(options);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    db,
    directory: new CachedDirectoryStore(new SqlDirectoryStore(db)),
    signingKeys: new SqlSigningKeyStore(db),
    close: () => db.close(),
  };
}

async function openDb(options: StorageOptions): Promise<SqlDb> {
  if (options.databaseUrl) {
    const db = new PostgresDb(options.databaseUrl, options.schema);
    await db.init();
    return db;
  }
  if (!options.sqlitePath) throw new Error("either databaseUrl or sqlitePath is required");
  if (options.sqlitePath !== ":memory:")
    mkdirSync(join(options.sqlitePath, ".."), { recursive: true });
  return new SqliteDb(options.sqlitePath);
}
