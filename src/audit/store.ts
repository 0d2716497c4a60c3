import type { AuditEntry, AuditRecord, AuthMethod } from "./model.js";

/** Which records to read: every given filter must match. Newest first. */
export interface AuditQuery {
  /** The principal's object id, exactly. */
  principalId?: string;
  authMethod?: AuthMethod;
  /**
   * An ARM id (subscription, resource group, account): records whose account is this id or lies
   * below it, compared case-insensitively. `/` or undefined: every record.
   */
  scope?: string;
  /** Epoch milliseconds, both inclusive. */
  from?: number;
  to?: number;
  /** At most this many records. */
  top: number;
  /** Only records older than this seq: the last seq of the previous page. */
  beforeSeq?: number;
}

/**
 * Where the audit log is kept: one hash chain, append only. The store finds the newest stored
 * record and keeps writers in line; how new records are numbered and linked is the audit part's
 * rule (`extendChain`), which the store is built with.
 */
export interface AuditStore {
  /**
   * Appends the entries in order, atomically: each gets the next seq and is linked to the record
   * before it, the first to the newest stored record, even with several writers on one database.
   */
  appendBatch(entries: readonly AuditEntry[]): Promise<AuditRecord[]>;
  /**
   * `appendBatch` without the records back: what the audit log's writer needs. Cheaper where
   * the records would have to be copied back from another thread.
   */
  append(entries: readonly AuditEntry[]): Promise<void>;
  queryAudit(query: AuditQuery): Promise<AuditRecord[]>;
}
