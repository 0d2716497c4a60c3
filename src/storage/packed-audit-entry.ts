import type { AuditEntry, AuditPrincipal, AuthMethod } from "../audit/index.js";
import { sameValues } from "../kernel/index.js";
import { subjectValues } from "./sql-audit-store.js";

/**
 * An entry's subject (who did what where), as the audit store keeps it once per caller
 * (`subjectValues`): tenant, principal type, app id and display name, account, deployment,
 * operation, data action, decision and decidedBy, in that order.
 */
export type PackedSubject = readonly unknown[];

/** An audit entry as a flat array of its fields, in `unpackAuditEntry`'s order. */
export type PackedAuditEntry = readonly unknown[];

/**
 * Entries cross to the writer thread as arrays: copying an object writes every key name beside
 * its value, and the keys were most of the work of handing a batch over. An entry whose subject
 * equals the one before it shares that entry's subject array, which a structured clone copies
 * once: the long ARM ids and actions a caller repeats cross once per run of its entries.
 */
export function packAuditEntries(entries: readonly AuditEntry[]): PackedAuditEntry[] {
  let previous: PackedSubject | undefined;
  return entries.map((entry) => {
    const subject = subjectValues(entry);
    if (!previous || !sameValues(subject, previous)) previous = subject;
    return [
      entry.at,
      entry.requestId,
      entry.principal?.objectId,
      entry.authMethod,
      entry.clientAddress,
      entry.status,
      entry.latencyMs,
      entry.promptTokens,
      entry.completionTokens,
      previous,
    ];
  });
}

/**
 * The entry `packAuditEntries` packed, its undefined fields left out. Each field is set by name
 * (not through a helper taking the key), so V8 stores it without a generic keyed lookup.
 */
export function unpackAuditEntry(packed: PackedAuditEntry): AuditEntry {
  const subject = packed[9] as PackedSubject;
  const entry: Partial<Record<keyof AuditEntry, unknown>> = {
    at: packed[0],
    requestId: packed[1],
    authMethod: packed[3] as AuthMethod,
    clientAddress: packed[4],
    operation: subject[6],
    decision: subject[8],
    status: packed[5],
    latencyMs: packed[6],
  };
  if (subject[0] !== undefined) entry.tenantId = subject[0];
  if (packed[2] !== undefined) {
    const principal: Partial<Record<keyof AuditPrincipal, unknown>> = {
      objectId: packed[2],
      type: subject[1],
    };
    if (subject[2] !== undefined) principal.appId = subject[2];
    if (subject[3] !== undefined) principal.displayName = subject[3];
    entry.principal = principal;
  }
  if (subject[4] !== undefined) entry.accountId = subject[4];
  if (subject[5] !== undefined) entry.deploymentId = subject[5];
  if (subject[7] !== undefined) entry.dataAction = subject[7];
  if (subject[9] !== undefined) entry.decidedBy = subject[9];
  if (packed[7] !== undefined) entry.promptTokens = packed[7];
  if (packed[8] !== undefined) entry.completionTokens = packed[8];
  return entry as AuditEntry;
}
