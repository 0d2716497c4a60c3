import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type AuditStore, extendChain } from "../audit/index.js";
import type { AuthzStore, ChangeFeed } from "../authz/index.js";
import type {
  AccountKeyStore,
  ActivityLogStore,
  ArmResourceStore,
} from "../control-plane/index.js";
import type { SigningKeyStore } from "../identity/index.js";
import { type Clock, systemClock } from "../kernel/index.js";
import { CachedDirectoryStore } from "./cached-directory-store.js";
import { migrate } from "./migrations.js";
import { PostgresDb } from "./postgres-db.js";
import { SqlAccountKeyStore } from "./sql-account-key-store.js";
import { SqlActivityLogStore } from "./sql-activity-log-store.js";
import { SqlAuditStore } from "./sql-audit-store.js";
import { ThreadedAuditStore } from "./threaded-audit-store.js";
import { SqlArmResourceStore } from "./sql-arm-resource-store.js";
import { SqlAuthzStore } from "./sql-authz-store.js";
import { SqlChangeFeed } from "./sql-change-feed.js";
import { SqlDirectoryStore } from "./sql-directory-store.js";
import type { SqlDb } from "./sql-db.js";
import { SqlSigningKeyStore } from "./sql-signing-key-store.js";
import { SqliteDb } from "./sqlite-db.js";

export interface Storage {
  readonly db: SqlDb;
  /** Its `generation()` tells the data plane when callers it verified must be verified again. */
  readonly directory: CachedDirectoryStore;
  readonly signingKeys: SigningKeyStore;
  /** Custom roles and role assignments. */
  readonly authz: AuthzStore;
  /** What changed in authorization facts, for every replica's index. */
  readonly changes: ChangeFeed;
  /** Subscriptions, resource groups, accounts, deployments: ARM resources as documents. */
  readonly resources: ArmResourceStore;
  /** Account keys, sealed. */
  readonly accountKeys: AccountKeyStore;
  /** Every control-plane write. */
  readonly activityLog: ActivityLogStore;
  /** Every data-plane request, one hash chain shared by every replica. */
  readonly audit: AuditStore;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** `postgres://…`; otherwise SQLite at `sqlitePath`. */
  databaseUrl?: string;
  sqlitePath?: string;
  /** PostgreSQL schema to use (created if missing); tests give each run its own. */
  schema?: string;
  /** Stamps change rows (`at`); informational, ordering comes from their seq. */
  clock?: Clock;
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
  const clock = options.clock ?? systemClock;
  const audit = auditStore(db, options);
  return {
    db,
    directory: new CachedDirectoryStore(new SqlDirectoryStore(db, clock)),
    signingKeys: new SqlSigningKeyStore(db),
    authz: new SqlAuthzStore(db, clock),
    changes: new SqlChangeFeed(db),
    resources: new SqlArmResourceStore(db, clock),
    accountKeys: new SqlAccountKeyStore(db, clock),
    activityLog: new SqlActivityLogStore(db),
    audit,
    close: async () => {
      if (audit instanceof ThreadedAuditStore) await audit.close();
      await db.close();
    },
  };
}

/** PostgreSQL appends without blocking; a SQLite file appends on its own thread (see there). */
function auditStore(db: SqlDb, options: StorageOptions): AuditStore {
  const store = new SqlAuditStore(db, extendChain);
  if (db.dialect !== "sqlite" || !options.sqlitePath || options.sqlitePath === ":memory:")
    return store;
  return new ThreadedAuditStore(options.sqlitePath, store);
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
