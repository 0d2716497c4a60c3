import type {
  AuditEntry,
  AuditQuery,
  AuditRecord,
  AuditStore,
  AuthMethod,
  ExtendChain,
} from "../audit/index.js";
import type { Row, SqlDb, SqlValue } from "./sql-db.js";

const AUDIT_CHAIN_LOCK = 7_265_736; // any constant but the migration and change-feed locks'
/** Rows per PostgreSQL INSERT: few round trips, and far below its parameter limit. */
const ROWS_PER_INSERT = 100;

const COLUMNS = [
  "seq",
  "at",
  "request_id",
  "tenant_id",
  "principal_object_id",
  "principal_type",
  "principal_app_id",
  "principal_display_name",
  "auth_method",
  "client_address",
  "account_id",
  "account_key",
  "deployment_id",
  "operation",
  "data_action",
  "decision",
  "decided_by",
  "status",
  "latency_ms",
  "prompt_tokens",
  "completion_tokens",
  "prev_hash",
  "hash",
];
const INSERT_INTO = `INSERT INTO audit_records (${COLUMNS.join(", ")}) VALUES`;
const ROW_PLACEHOLDERS = `(${COLUMNS.map(() => "?").join(", ")})`;
const INSERT_ONE = `${INSERT_INTO} ${ROW_PLACEHOLDERS}`;

/** Drops undefined fields, so a record read back equals the entry that was written. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const optionalText = (value: unknown) => (value === null ? undefined : (value as string));
const optionalNumber = (value: unknown) => (value === null ? undefined : Number(value));

function rowValues(record: AuditRecord): SqlValue[] {
  return [
    record.seq,
    record.at,
    record.requestId,
    record.tenantId ?? null,
    record.principal?.objectId ?? null,
    record.principal?.type ?? null,
    record.principal?.appId ?? null,
    record.principal?.displayName ?? null,
    record.authMethod,
    record.clientAddress,
    record.accountId ?? null,
    record.accountId?.toLowerCase() ?? null,
    record.deploymentId ?? null,
    record.operation,
    record.dataAction ?? null,
    record.decision,
    record.decidedBy ?? null,
    record.status,
    record.latencyMs,
    record.promptTokens ?? null,
    record.completionTokens ?? null,
    record.prevHash,
    record.hash,
  ];
}

function toRecord(row: Row): AuditRecord {
  const principal =
    row.principal_object_id === null
      ? undefined
      : defined({
          objectId: row.principal_object_id as string,
          type: row.principal_type as string,
          appId: optionalText(row.principal_app_id),
          displayName: optionalText(row.principal_display_name),
        });
  return defined({
    seq: Number(row.seq),
    at: Number(row.at),
    requestId: row.request_id as string,
    tenantId: optionalText(row.tenant_id),
    principal,
    authMethod: row.auth_method as AuthMethod,
    clientAddress: row.client_address as string,
    accountId: optionalText(row.account_id),
    deploymentId: optionalText(row.deployment_id),
    operation: row.operation as string,
    dataAction: optionalText(row.data_action),
    decision: row.decision as AuditEntry["decision"],
    decidedBy: optionalText(row.decided_by),
    status: Number(row.status),
    latencyMs: Number(row.latency_ms),
    promptTokens: optionalNumber(row.prompt_tokens),
    completionTokens: optionalNumber(row.completion_tokens),
    prevHash: row.prev_hash as string,
    hash: row.hash as string,
  });
}

/** The WHERE clause and its parameters for a query's filters. */
function filters(query: AuditQuery): { where: string; params: SqlValue[] } {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const add = (condition: string, ...values: SqlValue[]) => {
    conditions.push(condition);
    params.push(...values);
  };
  if (query.principalId !== undefined) add("principal_object_id = ?", query.principalId);
  if (query.authMethod !== undefined) add("auth_method = ?", query.authMethod);
  const scope = query.scope?.toLowerCase().replace(/\/+$/, "");
  // SUBSTR, not LIKE: ARM names may contain `_`, and LIKE's case rules differ per database.
  if (scope)
    add("(account_key = ? OR SUBSTR(account_key, 1, ?) = ?)", scope, scope.length + 1, `${scope}/`);
  if (query.from !== undefined) add("at >= ?", query.from);
  if (query.to !== undefined) add("at <= ?", query.to);
  if (query.beforeSeq !== undefined) add("seq < ?", query.beforeSeq);
  return { where: conditions.length ? `WHERE ${conditions.join(" AND ")}` : "", params };
}

/**
 * The audit log in one table, one chain for every replica. An append holds the audit lock from
 * reading the tail to commit, so no two writers link to the same record; how records link is
 * the audit part's rule, given as `extend`.
 */
export class SqlAuditStore implements AuditStore {
  constructor(
    private readonly db: SqlDb,
    /** The audit part's chain rule (`extendChain`): seqs, hashes and links of new records. */
    private readonly extend: ExtendChain,
  ) {}

  async appendBatch(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    if (entries.length === 0) return [];
    return this.db.transaction(async (tx) => {
      await lockAuditChain(tx);
      const tail = await tx.query<{ seq: number; hash: string }>(
        "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1",
      );
      const records = this.extend(
        tail[0] && { seq: Number(tail[0].seq), hash: tail[0].hash },
        entries,
      );
      await insertRows(tx, records);
      return records;
    });
  }

  async append(entries: readonly AuditEntry[]): Promise<void> {
    await this.appendBatch(entries);
  }

  async queryAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const { where, params } = filters(query);
    const rows = await this.db.query(
      `SELECT * FROM audit_records ${where} ORDER BY seq DESC LIMIT ?`,
      [...params, query.top],
    );
    return rows.map(toRecord);
  }
}

/**
 * PostgreSQL gets up to `ROWS_PER_INSERT` rows per statement, to save round trips. SQLite runs
 * in-process, where a round trip costs nothing: one prepared statement per row spares preparing
 * a statement per batch size and flattening every row's values into one parameter list, which
 * was a fifth of the audit writer's CPU time per record.
 */
async function insertRows(tx: SqlDb, records: readonly AuditRecord[]): Promise<void> {
  if (tx.dialect === "sqlite") {
    for (const record of records) await tx.execute(INSERT_ONE, rowValues(record));
    return;
  }
  for (let start = 0; start < records.length; start += ROWS_PER_INSERT) {
    const chunk = records.slice(start, start + ROWS_PER_INSERT);
    await tx.execute(
      `${INSERT_INTO} ${chunk.map(() => ROW_PLACEHOLDERS).join(", ")}`,
      chunk.flatMap(rowValues),
    );
  }
}

/**
 * Serialises appends to the chain until the transaction ends. On PostgreSQL several replicas
 * append to one chain: without the lock two of them could read the same tail and fork it.
 * SQLite's `BEGIN IMMEDIATE` already admits one writer at a time.
 */
async function lockAuditChain(tx: SqlDb): Promise<void> {
  if (tx.dialect === "postgres")
    await tx.query(`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
}
