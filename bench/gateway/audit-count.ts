import Database from "better-sqlite3";

/** Audit records of calls to one deployment, by how the caller authenticated and the status. */
export type AuditCount = Record<string, Record<string, number>>;

/**
 * Counts the audit records Keyless stored for `deployment`, read from its SQLite file once it
 * has stopped (stopping writes every queued record). Read-only; the benchmark's own data folder.
 */
export function countAuditRecords(databaseFile: string, deployment: string): AuditCount {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT r.auth_method AS method, r.status, COUNT(*) AS n
         FROM audit_records r JOIN audit_subjects s ON s.id = r.subject_id
         WHERE lower(s.deployment_id) LIKE ? GROUP BY r.auth_method, r.status`,
      )
      .all(`%/deployments/${deployment.toLowerCase()}`) as {
      method: string;
      status: number;
      n: number;
    }[];
    const count: AuditCount = {};
    for (const row of rows) (count[row.method] ??= {})[String(row.status)] = row.n;
    return count;
  } finally {
    db.close();
  }
}
