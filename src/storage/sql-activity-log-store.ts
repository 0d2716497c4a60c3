import type { ActivityLogEntry, ActivityLogStore } from "../control-plane/index.js";
import type { Row, SqlDb } from "./sql-db.js";

const optional = (value: unknown) =>
  value === null || value === undefined ? undefined : (value as string);

function toEntry(row: Row): ActivityLogEntry {
  return {
    at: Number(row.at),
    correlationId: row.correlation_id as string,
    callerObjectId: optional(row.caller_object_id),
    callerName: optional(row.caller_name),
    operation: row.operation as string,
    method: row.method as string,
    resourceId: row.resource_id as string,
    status: Number(row.status),
    errorCode: optional(row.error_code),
  };
}

export class SqlActivityLogStore implements ActivityLogStore {
  constructor(private readonly db: SqlDb) {}

  async appendActivity(entry: ActivityLogEntry): Promise<void> {
    await this.db.execute(
      `INSERT INTO activity_log (at, correlation_id, caller_object_id, caller_name, operation, method,
        resource_id, status, error_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        entry.at,
        entry.correlationId,
        entry.callerObjectId ?? null,
        entry.callerName ?? null,
        entry.operation,
        entry.method,
        entry.resourceId,
        entry.status,
        entry.errorCode ?? null,
      ],
    );
  }

  async listActivity(limit: number): Promise<ActivityLogEntry[]> {
    const rows = await this.db.query("SELECT * FROM activity_log ORDER BY seq DESC LIMIT ?", [
      limit,
    ]);
    return rows.map(toEntry);
  }
}
