import type {
  AuditEntry,
  AuditQuery,
  AuditRecord,
  AuditStore,
  AuthMethod,
  ExtendChain,
} from "../audit/index.js";
import { sameValues } from "../kernel/index.js";
import type { Dialect, Row, SqlDb, SqlValue } from "./sql-db.js";

const AUDIT_CHAIN_LOCK = 7_265_736; // any constant but the migration and change-feed locks'
/**
 * Rows per INSERT. PostgreSQL: few round trips, and far below its parameter limit. SQLite has no
 * round trip, but each statement run has a fixed cost: alone, on a file database, inserting an
 * append's rows took about 2.5 µs per row one statement per row, 1.6–1.7 µs with 25 rows per
 * statement, 1.8 with 100 and 2.2 with 250.
 */
const ROWS_PER_INSERT: Record<Dialect, number> = { postgres: 100, sqlite: 25 };

/** A record's own columns: what varies per request, what it is looked up by, its subject. */
const RECORD_COLUMNS = [
  "seq",
  "at",
  "request_id",
  "principal_object_id",
  "auth_method",
  "client_address",
  "subject_id",
  "status",
  "latency_ms",
  "prompt_tokens",
  "completion_tokens",
  "prev_hash",
  "hash",
];
/** Who did what where, stored once in `audit_subjects` and shared by the records that repeat it. */
const SUBJECT_COLUMNS = [
  "tenant_id",
  "principal_type",
  "principal_app_id",
  "principal_display_name",
  "account_id",
  "deployment_id",
  "operation",
  "data_action",
  "decision",
  "decided_by",
];
const INSERT_INTO = `INSERT INTO audit_records (${RECORD_COLUMNS.join(", ")}) VALUES`;
const ROW_PLACEHOLDERS = `(${RECORD_COLUMNS.map(() => "?").join(", ")})`;
/** The INSERT of `rows` records, by row count: the same text each time, so it is prepared once. */
const insertStatements: string[] = [];
const insertOf = (rows: number) =>
  (insertStatements[rows] ??=
    `${INSERT_INTO} ${Array.from({ length: rows }, () => ROW_PLACEHOLDERS).join(", ")}`);
/** A subject row: its fingerprint, its fields, and the lowercased account id scopes match. */
const SUBJECT_ROW = ["fingerprint", ...SUBJECT_COLUMNS, "account_key"];
const INSERT_SUBJECT = `INSERT INTO audit_subjects (${SUBJECT_ROW.join(", ")})
  VALUES (${SUBJECT_ROW.map(() => "?").join(", ")}) ON CONFLICT (fingerprint) DO NOTHING`;
const SELECT_RECORDS = `SELECT ${RECORD_COLUMNS.map((column) => `r.${column}`).join(", ")},
  ${SUBJECT_COLUMNS.map((column) => `s.${column}`).join(", ")}
  FROM audit_records r JOIN audit_subjects s ON s.id = r.subject_id`;
/** Subject ids a store remembers; past this many it forgets them all and looks them up again. */
const SUBJECTS_REMEMBERED = 10_000;

/** Drops undefined fields, so a record read back equals the entry that was written. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const optionalText = (value: unknown) => (value === null ? undefined : (value as string));
const optionalNumber = (value: unknown) => (value === null ? undefined : Number(value));

/** An entry's subject fields, in `SUBJECT_COLUMNS`' order. */
export function subjectValues(entry: AuditEntry): (string | undefined)[] {
  return [
    entry.tenantId,
    entry.principal?.type,
    entry.principal?.appId,
    entry.principal?.displayName,
    entry.accountId,
    entry.deploymentId,
    entry.operation,
    entry.dataAction,
    entry.decision,
    entry.decidedBy,
  ];
}

/**
 * Names a subject uniquely: each field `~` when absent, else `=` and its text with backslashes
 * and `|` escaped; fields joined by `|`. INVARIANT: equals migration 5's `subjectFingerprintSql`,
 * which fingerprinted the subjects of records written before subjects existed.
 */
function subjectFingerprint(values: readonly (string | undefined)[]): string {
  let fingerprint = "";
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) fingerprint += "|";
    if (value === undefined) fingerprint += "~";
    else if (value.includes("\\") || value.includes("|"))
      fingerprint += `=${value.replaceAll("\\", "\\\\").replaceAll("|", "\\|")}`;
    else fingerprint += `=${value}`;
  }
  return fingerprint;
}

function rowValues(record: AuditRecord, subjectId: number): SqlValue[] {
  return [
    record.seq,
    record.at,
    record.requestId,
    record.principal?.objectId ?? null,
    record.authMethod,
    record.clientAddress,
    subjectId,
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
  if (query.principalId !== undefined) add("r.principal_object_id = ?", query.principalId);
  if (query.authMethod !== undefined) add("r.auth_method = ?", query.authMethod);
  const scope = query.scope?.toLowerCase().replace(/\/+$/, "");
  // SUBSTR, not LIKE: ARM names may contain `_`, and LIKE's case rules differ per database.
  if (scope)
    add(
      "(s.account_key = ? OR SUBSTR(s.account_key, 1, ?) = ?)",
      scope,
      scope.length + 1,
      `${scope}/`,
    );
  if (query.from !== undefined) add("r.at >= ?", query.from);
  if (query.to !== undefined) add("r.at <= ?", query.to);
  if (query.beforeSeq !== undefined) add("r.seq < ?", query.beforeSeq);
  return { where: conditions.length ? `WHERE ${conditions.join(" AND ")}` : "", params };
}

/**
 * The audit log, one chain for every replica: a narrow row per record in `audit_records`, and
 * who did what where once per distinct subject in `audit_subjects`. An append holds the audit
 * lock from reading the tail to commit, so no two writers link to the same record; how records
 * link is the audit part's rule, given as `extend`.
 */
export class SqlAuditStore implements AuditStore {
  /** Subject ids by fingerprint, only those whose transaction committed. */
  private readonly subjectIds = new Map<string, number>();

  constructor(
    private readonly db: SqlDb,
    /** The audit part's chain rule (`extendChain`): seqs, hashes and links of new records. */
    private readonly extend: ExtendChain,
  ) {}

  async appendBatch(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    if (entries.length === 0) return [];
    // Ids learned in a transaction that rolls back may never have been stored.
    const learned = new Map<string, number>();
    const records = await this.db.transaction(async (tx) => {
      await lockAuditChain(tx);
      const tail = await tx.query<{ seq: number; hash: string }>(
        "SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1",
      );
      const records = this.extend(
        tail[0] && { seq: Number(tail[0].seq), hash: tail[0].hash },
        entries,
      );
      await insertRows(tx, records, await this.subjectIdsOf(tx, records, learned));
      return records;
    });
    if (this.subjectIds.size + learned.size > SUBJECTS_REMEMBERED) this.subjectIds.clear();
    for (const [fingerprint, id] of learned) this.subjectIds.set(fingerprint, id);
    return records;
  }

  /** Each record's subject id: remembered, learned earlier in this batch, or stored now. */
  private async subjectIdsOf(
    tx: SqlDb,
    records: readonly AuditRecord[],
    learned: Map<string, number>,
  ): Promise<number[]> {
    const ids: number[] = [];
    // Runs of one caller's records are the rule: they share the id without a fingerprint.
    let previous: { values: (string | undefined)[]; id: number } | undefined;
    for (const record of records) {
      const values = subjectValues(record);
      if (!previous || !sameValues(values, previous.values)) {
        const fingerprint = subjectFingerprint(values);
        let id = this.subjectIds.get(fingerprint) ?? learned.get(fingerprint);
        if (id === undefined) {
          id = await storedSubject(tx, fingerprint, values, record.accountId);
          learned.set(fingerprint, id);
        }
        previous = { values, id };
      }
      ids.push(previous.id);
    }
    return ids;
  }

  async append(entries: readonly AuditEntry[]): Promise<void> {
    await this.appendBatch(entries);
  }

  async queryAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const { where, params } = filters(query);
    const rows = await this.db.query(`${SELECT_RECORDS} ${where} ORDER BY r.seq DESC LIMIT ?`, [
      ...params,
      query.top,
    ]);
    return rows.map(toRecord);
  }
}

/**
 * The id of the subject with this fingerprint, stored first if it is new. Called holding the
 * audit lock, so no other writer adds the same subject meanwhile; `ON CONFLICT` keeps an insert
 * that races one anyway from failing the batch.
 */
async function storedSubject(
  tx: SqlDb,
  fingerprint: string,
  values: readonly (string | undefined)[],
  accountId: string | undefined,
): Promise<number> {
  await tx.execute(INSERT_SUBJECT, [
    fingerprint,
    ...values.map((value) => value ?? null),
    accountId?.toLowerCase() ?? null,
  ]);
  const [row] = await tx.query<{ id: number }>(
    "SELECT id FROM audit_subjects WHERE fingerprint = ?",
    [fingerprint],
  );
  return Number(row!.id);
}

/** The records' rows, `ROWS_PER_INSERT` of the database's to a statement, in order. */
async function insertRows(
  tx: SqlDb,
  records: readonly AuditRecord[],
  subjectIds: readonly number[],
): Promise<void> {
  const perInsert = ROWS_PER_INSERT[tx.dialect];
  for (let start = 0; start < records.length; start += perInsert) {
    const end = Math.min(start + perInsert, records.length);
    const values: SqlValue[] = [];
    for (let i = start; i < end; i++) values.push(...rowValues(records[i]!, subjectIds[i]!));
    await tx.execute(insertOf(end - start), values);
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
