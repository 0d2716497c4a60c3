import type { ArmResourceRecord, ArmResourceStore } from "../control-plane/index.js";
import type { Clock } from "../kernel/index.js";
import { appendChange, lockChangeFeed } from "./sql-change-feed.js";
import type { Row, SqlDb } from "./sql-db.js";

const key = (id: string) => id.toLowerCase();

function toRecord(row: Row): ArmResourceRecord {
  return {
    id: row.id as string,
    type: row.type as string,
    name: row.name as string,
    parentId: row.parent_id as string,
    body: JSON.parse(row.body as string) as Record<string, unknown>,
    etag: row.etag as string,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    createdBy: (row.created_by as string | null) ?? undefined,
    updatedBy: (row.updated_by as string | null) ?? undefined,
  };
}

/**
 * ARM resources as JSON documents keyed by their lowercased id (ARM ids are case-insensitive).
 * Every write appends an `armResource` change (key: the lowercased id) so each replica's data
 * plane sees a new deployment, `disableLocalAuth` or a network rule within the poll period.
 */
export class SqlArmResourceStore implements ArmResourceStore {
  constructor(
    private readonly db: SqlDb,
    private readonly clock: Clock,
  ) {}

  async getResource(id: string): Promise<ArmResourceRecord | undefined> {
    const rows = await this.db.query("SELECT * FROM arm_resources WHERE id_key = ?", [key(id)]);
    return rows[0] && toRecord(rows[0]);
  }

  async putResource(record: ArmResourceRecord): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockChangeFeed(tx);
      await appendChange(tx, "armResource", key(record.id), this.clock.now());
      const values = [
        record.id,
        record.type,
        key(record.type),
        record.name,
        record.parentId,
        key(record.parentId),
        JSON.stringify(record.body),
        record.etag,
        record.createdAt,
        record.updatedAt,
        record.createdBy ?? null,
        record.updatedBy ?? null,
      ];
      const updated = await tx.execute(
        `UPDATE arm_resources SET id = ?, type = ?, type_key = ?, name = ?, parent_id = ?, parent_key = ?, body = ?,
          etag = ?, created_at = ?, updated_at = ?, created_by = ?, updated_by = ? WHERE id_key = ?`,
        [...values, key(record.id)],
      );
      if (updated > 0) return false;
      await tx.execute(
        `INSERT INTO arm_resources (id, type, type_key, name, parent_id, parent_key, body, etag, created_at,
          updated_at, created_by, updated_by, id_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [...values, key(record.id)],
      );
      return true;
    });
  }

  async deleteResource(id: string): Promise<boolean> {
    const prefix = key(id);
    return this.db.transaction(async (tx) => {
      await lockChangeFeed(tx);
      const removed = await tx.execute("DELETE FROM arm_resources WHERE id_key = ?", [prefix]);
      if (removed > 0) await appendChange(tx, "armResource", prefix, this.clock.now());
      await tx.execute("DELETE FROM arm_resources WHERE SUBSTR(id_key, 1, ?) = ?", [
        prefix.length + 1,
        `${prefix}/`,
      ]);
      return removed > 0;
    });
  }

  async listChildren(parentId: string, type: string): Promise<ArmResourceRecord[]> {
    const rows = await this.db.query(
      "SELECT * FROM arm_resources WHERE parent_key = ? AND type_key = ? ORDER BY created_at, id_key",
      [key(parentId), key(type)],
    );
    return rows.map(toRecord);
  }

  async listByType(type: string, idPrefix: string): Promise<ArmResourceRecord[]> {
    const prefix = key(idPrefix).replace(/\/$/, "") + "/";
    const rows = await this.db.query(
      "SELECT * FROM arm_resources WHERE type_key = ? AND SUBSTR(id_key, 1, ?) = ? ORDER BY created_at, id_key",
      [key(type), prefix.length, prefix],
    );
    return rows.map(toRecord);
  }
}
