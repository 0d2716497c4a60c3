import Database from "better-sqlite3";
import { DuplicateKeyError, type Row, type SqlDb, type SqlValue } from "./sql-db.js";

/**
 * SQLite through better-sqlite3. Statements run synchronously on one connection, so the only
 * way two callers can interleave is across an `await` inside a transaction: a lock makes every
 * other statement wait until the transaction ends.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = "sqlite" as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private lock: Promise<void> = Promise.resolve();
  private locked = false;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    // `while`, not `if`: a transaction queued ahead of this statement may take the lock first.
    while (this.locked) await this.lock;
    return this.run(
      (statement) =>
        statement.reader ? (statement.all(...params) as T[]) : (statement.run(...params), []),
      sql,
    );
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    // `while`, not `if`: a transaction queued ahead of this statement may take the lock first.
    while (this.locked) await this.lock;
    return this.run((statement) => statement.run(...params).changes, sql);
  }

  async transaction<T>(work: (tx: SqlDb) => Promise<T>): Promise<T> {
    while (this.locked) await this.lock;
    let release!: () => void;
    this.lock = new Promise((resolve) => (release = resolve));
    this.locked = true;
    const tx = new SqliteTransaction(this);
    try {
      this.db.exec("BEGIN IMMEDIATE");
      const result = await work(tx);
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw error;
    } finally {
      this.locked = false;
      release();
    }
  }

  async close(): Promise<void> {
    while (this.locked) await this.lock;
    this.db.close();
  }

  /** Runs a statement without waiting for the lock: only for the transaction holding it. */
  runUnlocked<T>(use: (statement: Database.Statement) => T, sql: string): T {
    return this.run(use, sql);
  }

  private run<T>(use: (statement: Database.Statement) => T, sql: string): T {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    try {
      return use(statement);
    } catch (error) {
      if (
        (error as { code?: string }).code?.startsWith("SQLITE_CONSTRAINT_PRIMARYKEY") ||
        (error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE"
      ) {
        throw new DuplicateKeyError((error as Error).message);
      }
      throw error;
    }
  }
}

class SqliteTransaction implements SqlDb {
  readonly dialect = "sqlite" as const;
  constructor(private readonly owner: SqliteDb) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.owner.runUnlocked(
      (statement) =>
        statement.reader ? (statement.all(...params) as T[]) : (statement.run(...params), []),
      sql,
    );
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.owner.runUnlocked((statement) => statement.run(...params).changes, sql);
  }

  transaction<T>(work: (tx: SqlDb) => Promise<T>): Promise<T> {
    return work(this);
  }

  async close(): Promise<void> {
    throw new Error("close the database, not a transaction");
  }
}
