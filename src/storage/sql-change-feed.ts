import type { Change, ChangeFeed } from "../authz/index.js";
import type { SqlDb } from "./sql-db.js";

const CHANGE_FEED_LOCK = 7_265_735; // any constant but the migration lock's
const DEFAULT_LIMIT = 1000;

/**
 * Serialises writers of the change feed until the transaction ends. Call it first in every
 * transaction that will append a change, before its other writes (one lock order: no deadlock).
 *
 * INVARIANT: seqs become visible in order. PostgreSQL hands out BIGSERIAL values at insert, not
 * at commit: without this lock a transaction holding seq 5 could commit after one holding seq 6,
 * and a reader that had already moved past 6 would never see 5. Holding the lock from before the
 * insert until commit makes commit order equal seq order. SQLite's one writer needs nothing.
 */
export async function lockChangeFeed(tx: SqlDb): Promise<void> {
  if (tx.dialect === "postgres")
    await tx.query(`SELECT pg_advisory_xact_lock(${CHANGE_FEED_LOCK})`);
}

/** Records a change; `tx` must be a transaction that called `lockChangeFeed` first. */
export async function appendChange(
  tx: SqlDb,
  entity: Change["entity"],
  key: string,
  at: number,
): Promise<void> {
  await tx.execute("INSERT INTO changes (entity, key, at) VALUES (?, ?, ?)", [entity, key, at]);
}

export class SqlChangeFeed implements ChangeFeed {
  constructor(private readonly db: SqlDb) {}

  async changesSince(seq: number, limit: number = DEFAULT_LIMIT): Promise<Change[]> {
    const rows = await this.db.query<{ seq: number; entity: string; key: string }>(
      "SELECT seq, entity, key FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
      [seq, limit],
    );
    return rows.map((row) => ({ seq: Number(row.seq), entity: row.entity, key: row.key }));
  }

  async latestSeq(): Promise<number> {
    const rows = await this.db.query<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM changes");
    return Number(rows[0]?.seq ?? 0);
  }
}
