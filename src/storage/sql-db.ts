/** The query layer every store is written against; SQLite and PostgreSQL implement it. */
export type Dialect = "sqlite" | "postgres";

export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

export interface SqlDb {
  readonly dialect: Dialect;
  /** Runs one statement with `?` placeholders and returns its rows. */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs one statement and returns how many rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs `work` in one transaction: all its statements commit together or none do. */
  transaction<T>(work: (tx: SqlDb) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export { DuplicateKeyError } from "../kernel/index.js";
