import pg from "pg";
import { DuplicateKeyError, type Row, type SqlDb, type SqlValue } from "./sql-db.js";

const INT8_OID = 20;

/** Timestamps are BIGINT epoch milliseconds: read them as numbers, not strings. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Rewrites `?` placeholders to PostgreSQL's `$n`. Statements never carry a literal `?`. */
function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

type Queryable = pg.Pool | pg.PoolClient;

async function run(
  target: Queryable,
  sql: string,
  params: readonly SqlValue[],
): Promise<pg.QueryResult> {
  try {
    return await target.query({ text: numbered(sql), values: params as SqlValue[] });
  } catch (error) {
    if ((error as { code?: string }).code === "23505")
      throw new DuplicateKeyError((error as Error).message);
    throw error;
  }
}

export class PostgresDb implements SqlDb {
  readonly dialect = "postgres" as const;
  private readonly pool: pg.Pool;

  /** `schema`, when given, is created if missing and put first on the search path. */
  constructor(
    connectionString: string,
    private readonly schema?: string,
  ) {
    this.pool = new pg.Pool({
      connectionString,
      types,
      max: 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
  }

  async init(): Promise<void> {
    if (!this.schema) return;
    try {
      await this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
    } catch (error) {
      // Replicas starting together: IF NOT EXISTS checks before inserting, so the one that
      // loses the race gets a unique violation on pg_namespace. The schema exists either way.
      if ((error as { code?: string }).code !== "23505") throw error;
    }
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await run(this.pool, sql, params)).rows as T[];
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await run(this.pool, sql, params)).rowCount ?? 0;
  }

  async transaction<T>(work: (tx: SqlDb) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(new PostgresTransaction(client));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class PostgresTransaction implements SqlDb {
  readonly dialect = "postgres" as const;
  constructor(private readonly client: pg.PoolClient) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await run(this.client, sql, params)).rows as T[];
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await run(this.client, sql, params)).rowCount ?? 0;
  }

  transaction<T>(work: (tx: SqlDb) => Promise<T>): Promise<T> {
    return work(this);
  }

  async close(): Promise<void> {
    throw new Error("close the database, not a transaction");
  }
}
