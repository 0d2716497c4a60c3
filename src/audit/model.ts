/** What the audit log keeps: one entry per data-plane request, whatever its outcome. */

export type AuthMethod = "token" | "key1" | "key2" | "none";

export interface AuditPrincipal {
  objectId: string;
  /** `User`, `ServicePrincipal`, `ManagedIdentity` or `Group`, as Azure names principal types. */
  type: string;
  appId?: string;
  displayName?: string;
}

export interface AuditEntry {
  /** Epoch milliseconds when the request arrived. */
  at: number;
  requestId: string;
  tenantId?: string;
  /** Undefined for key callers and refused anonymous calls: a key names no principal. */
  principal?: AuditPrincipal;
  authMethod: AuthMethod;
  clientAddress: string;
  /** ARM ids; undefined when the request never resolved to an account or deployment. */
  accountId?: string;
  deploymentId?: string;
  /** e.g. `chat/completions`, `embeddings`, `models/info`. */
  operation: string;
  dataAction?: string;
  decision: "allowed" | "denied";
  /**
   * Allowed by a token: the role assignment's ARM id that granted it. Allowed by a key: `Key1`
   * or `Key2`. Denied: the error code the caller got (`PermissionDenied`, `401`, …).
   */
  decidedBy?: string;
  status: number;
  latencyMs: number;
  promptTokens?: number;
  completionTokens?: number;
}

/** A stored entry: its place in the log and its link in the hash chain. */
export interface AuditRecord extends AuditEntry {
  seq: number;
  /** The previous record's `hash` (64 zeros for the first record). */
  prevHash: string;
  /** SHA-256 (hex) over `prevHash` and the entry's canonical JSON. */
  hash: string;
}

/** Where the request path hands entries: never blocks, never throws. */
export interface AuditSink {
  record(entry: AuditEntry): void;
}
